from gridguard.core.counting import Total, bounded_count
from gridguard.grids.models import Level


def test_a_total_is_exact_up_to_the_cap_and_capped_beyond(db):
    levels = Level.objects.all()
    n = levels.count()
    assert bounded_count(levels, cap=n) == Total(n, False)
    assert bounded_count(levels, cap=n - 1) == Total(n - 1, True)
    assert str(Total(10_000, True)) == "10,000+" and str(Total(42, False)) == "42"


def test_the_count_reads_at_most_cap_plus_one_rows(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        bounded_count(Level.objects.all(), cap=3)
    assert "LIMIT 4" in ctx.captured_queries[0]["sql"].upper()
