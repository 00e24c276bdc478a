"""Room on each page of the enrollment table (PostgreSQL) for its rows' later versions.

An enrollment row is written once when the round opens and updated twice afterwards: when the
person is sampled (``sampled_at``) and when the pool's result comes (``result``). Neither column is
indexed, so PostgreSQL can write the new version on the same page without touching the table's
indexes (a HOT update) — but only where the page has room, and a table filled at 100 % has none. At
70 % most of a batch's and a lab file's updates stay on their page. SQLite has no such setting.
"""

from django.db import migrations


def _fillfactor(percent: int):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE screening_enrollment SET (fillfactor = {percent})")

    return apply


class Migration(migrations.Migration):

    dependencies = [("screening", "0004_hot_path_keys_unconstrained")]

    operations = [migrations.RunPython(_fillfactor(70), _fillfactor(100))]
