from gridguard.accounts.models import Role
from gridguard.core.data_names import LEVEL_NAMES, ROLE_NAMES, TAG_NAMES
from gridguard.grids.models import Level
from gridguard.people.models import Tag


def test_every_shipped_name_is_in_the_catalogue_list(db):
    """The names the data migrations create are the ones marked for translation."""
    assert set(Level.objects.values_list("name", flat=True)) == set(LEVEL_NAMES)
    assert set(Role.objects.values_list("name", flat=True)) == set(ROLE_NAMES)
    assert set(Tag.objects.values_list("name", flat=True)) == set(TAG_NAMES)
