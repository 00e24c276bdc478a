from django.db import migrations

TAGS = [
    ("elderly_alone", "空巢老人", 0, "空巢"),
    ("living_alone", "独居", 1, "独居老人"),
    ("disabled", "残疾人", 2, "残疾"),
    ("low_income", "低保", 3, "低保户,低保人员,特困"),
    ("pregnant", "孕产妇", 4, "孕妇,产妇"),
    ("infant", "婴幼儿", 5, "婴儿,幼儿"),
    ("chronic", "慢性病", 6, "慢病,慢性病患者"),
    ("bedridden", "卧床/行动不便", 7, "卧床,行动不便,失能"),
    ("age_4050", "4050人员", 8, "4050"),
    ("correction", "社区矫正", 9, "社区矫正人员"),
    ("veteran", "退役军人", 10, "退伍军人"),
    ("left_behind_child", "留守儿童", 11, "留守"),
    ("mental", "严重精神障碍", 12, "精神障碍"),
]


def forwards(apps, schema_editor):
    Tag = apps.get_model("people", "Tag")
    for code, name, bit, aliases in TAGS:
        Tag.objects.update_or_create(code=code, defaults={"name": name, "bit": bit, "aliases": aliases})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
