from django.db import migrations, models

# Groups whose counts are not made public on a grid's board (网格公示牌): persons under community
# correction and persons with a severe mental disorder (their privacy is protected by law).
SENSITIVE = ("correction", "mental")


def forwards(apps, schema_editor):
    apps.get_model("people", "Tag").objects.filter(code__in=SENSITIVE).update(is_sensitive=True)


class Migration(migrations.Migration):
    dependencies = [("people", "0005_person_surname_initials")]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="is_sensitive",
            field=models.BooleanField(
                default=False,
                help_text="敏感人群（如社区矫正、严重精神障碍）的人数不在网格公示牌上公开",
                verbose_name="敏感（不上公示牌）",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
