"""Repeated arrival reports become rows of their own, attached to the first (issue 9, A3)."""

import django.db.models.deletion
from django.db import migrations, models


def pending_duplicates_become_repeats(apps, schema_editor):
    """Before the constraint: if two reports of one identity number are both waiting (a race of the
    old merge), the later ones become repeats of the earliest."""
    ArrivalReport = apps.get_model("control", "ArrivalReport")
    first: dict[str, object] = {}
    for report in ArrivalReport.objects.filter(status="pending").order_by("id").iterator():
        original = first.get(report.id_number)
        if original is None:
            first[report.id_number] = report
            continue
        report.repeat_of = original
        report.status = "repeat"
        report.node_id, report.node_path = original.node_id, original.node_path
        report.save(update_fields=["repeat_of", "status", "node", "node_path"])


class Migration(migrations.Migration):

    dependencies = [
        ('control', '0003_arrival_id_type'),
    ]

    operations = [
        migrations.AddField(
            model_name='arrivalreport',
            name='repeat_of',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='repeats', to='control.arrivalreport', verbose_name='重复的报备'),
        ),
        migrations.AlterField(
            model_name='arrivalreport',
            name='status',
            field=models.CharField(choices=[('pending', '待核实'), ('ordered', '已采取措施'), ('no_measure', '无需管控'), ('repeat', '重复报备')], default='pending', max_length=12, verbose_name='状态'),
        ),
        migrations.RunPython(pending_duplicates_become_repeats, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='arrivalreport',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('id_number',), name='one_pending_arrival_per_id'),
        ),
    ]
