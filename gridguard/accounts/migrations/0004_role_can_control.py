from django.db import migrations, models

CONTROL_ROLES = ["admin", "street_official", "community_official", "grid_chief", "grid_worker", "medic"]


def forwards(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.filter(code__in=CONTROL_ROLES).update(can_control=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_default_roles")]
    operations = [
        migrations.AddField(
            model_name="role",
            name="can_control",
            field=models.BooleanField(default=False, verbose_name="可下达、变更、解除管控"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
