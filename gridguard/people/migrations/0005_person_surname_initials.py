"""Persons' pinyin initials read a surname as a surname: 曾平 is "zp" (zēng), no longer "cp" (céng).

Recomputes name_initials of the persons whose name starts with a surname whose reading changes
the initials (core.pinyin.SURNAME_READINGS): one index range scan of (name, id) per surname, and
an update by primary key of the rows that change only, in batches. Organizations keep the
ordinary reading. Reverse: nothing to undo (the old initials were wrong).
"""

from django.db import migrations

BATCH = 2000
TEXT_END = "\U0010ffff"  # core.paths.TEXT_END: name >= p AND name < p + TEXT_END is "starts with p"


def surname_prefixes() -> list[str]:
    """The surnames whose initials differ from the ordinary ones, less those a shorter one of them
    covers (单于 starts with 单): each person's name is read once."""
    from gridguard.core.pinyin import SURNAME_INITIALS, initials

    changed = sorted(s for s, letters in SURNAME_INITIALS.items() if initials(s) != letters)
    return [s for s in changed if not any(t != s and s.startswith(t) for t in changed)]


def recompute_initials(apps, schema_editor):
    from gridguard.core.pinyin import person_initials

    Person = apps.get_model("people", "Person")
    connection = schema_editor.connection
    persons = Person.objects.using(connection.alias)
    table = connection.ops.quote_name(Person._meta.db_table)
    sql = f"UPDATE {table} SET name_initials = %s WHERE id = %s"
    for prefix in surname_prefixes():
        rows = persons.filter(name__gte=prefix, name__lt=prefix + TEXT_END).values_list("id", "name", "name_initials")
        changes = [(new, pk) for pk, name, old in rows.iterator(chunk_size=BATCH) if (new := person_initials(name)) != old]
        with connection.cursor() as cursor:
            for start in range(0, len(changes), BATCH):
                cursor.executemany(sql, changes[start:start + BATCH])


class Migration(migrations.Migration):
    dependencies = [("people", "0004_search_indexes_with_id")]
    operations = [migrations.RunPython(recompute_initials, migrations.RunPython.noop)]
