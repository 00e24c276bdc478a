from django.db import migrations

LEVELS = [
    ("district", "区", 10, False, False),
    ("street", "街道/镇", 20, False, False),
    ("community", "社区/村", 30, False, False),
    ("grid", "网格", 40, True, False),
    ("micro_grid", "微网格", 50, False, False),
    ("compound", "小区/自然村", 60, False, True),
    ("building", "楼栋", 70, False, True),
    ("unit", "单元", 80, False, True),
]


def forwards(apps, schema_editor):
    Level = apps.get_model("grids", "Level")
    for code, name, rank, is_grid, is_address in LEVELS:
        Level.objects.update_or_create(
            code=code, defaults={"name": name, "rank": rank, "is_grid": is_grid, "is_address": is_address}
        )


class Migration(migrations.Migration):
    dependencies = [("grids", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
