from django.db import migrations

ALL = ["can_reveal", "can_export", "can_import", "can_edit_ledger", "can_manage_tree", "can_manage_staff", "can_read_audit"]
ROLES = [
    ("admin", "系统管理员", ALL + ["sees_everything"]),
    ("street_official", "镇/街道干部", ALL),
    ("community_official", "社区/村两委", ALL),
    ("grid_chief", "网格长", ["can_reveal", "can_export", "can_import", "can_edit_ledger"]),
    ("grid_worker", "网格员", ["can_edit_ledger"]),
    ("building_chief", "楼栋长", []),
    ("medic", "医务人员", ["can_reveal"]),
    ("guard", "卡口值守", []),
    ("sampler", "采样员", []),
    ("lab", "检测机构", []),
    ("resident", "居民", []),
]


def forwards(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for sort, (code, name, flags) in enumerate(ROLES):
        Role.objects.update_or_create(code=code, defaults={"name": name, "sort": sort, **{f: True for f in flags}})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
