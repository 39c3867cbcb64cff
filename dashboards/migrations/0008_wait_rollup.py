"""The histograms of the waits to handover (decision 280), built from the cases already
there with the code of `dashboards.rollups` as it is when this runs (decision 143)."""

import django.db.models.deletion
from django.db import migrations, models


def build_waits(apps, schema_editor):
    Case = apps.get_model("casework", "Case")
    if not Case.objects.exists():
        return
    from dashboards import rollups

    rollups.rebuild_waits()


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0030_case_identification_officer'),
        ('dashboards', '0007_rollups'),
    ]

    operations = [
        migrations.CreateModel(
            name='WaitRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('tenths', models.IntegerField()),
                ('cases', models.IntegerField()),
                ('province', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='casework.province')),
            ],
            options={
                'indexes': [models.Index(fields=['province', 'month'], name='wait_rollup_place')],
            },
        ),
        migrations.RunPython(build_waits, migrations.RunPython.noop),
        # The days of identification the dashboard counts live (the current month): without
        # it, a province's whole cases were read for a few days' identifications (decision
        # 281). Not in the model's state: the case table belongs to casework.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS dash_case_identified_on ON casework_case (identified_on) "
            "WHERE identified_on IS NOT NULL",
            "DROP INDEX IF EXISTS dash_case_identified_on",
        ),
    ]
