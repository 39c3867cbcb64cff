"""The dashboard rollups per province and month (issue 18, decisions 245–249), built from the
cases already there. A new database has no cases and builds nothing; the build uses the
code of `dashboards.rollups` as it is when this runs (decision 143 allows a migration to call
app code), and `manage.py recompute_rollups` does the same at any time."""

import django.db.models.deletion
from django.db import migrations, models


def build_rollups(apps, schema_editor):
    Case = apps.get_model("casework", "Case")
    if not Case.objects.exists():
        return
    from dashboards import rollups

    rollups.recompute()


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0030_case_identification_officer'),
        ('dashboards', '0006_move_exchange_models'),
    ]

    operations = [
        migrations.CreateModel(
            name='RollupMark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('case_id', models.IntegerField(null=True)),
                ('province_id', models.IntegerField(null=True)),
                ('month', models.DateField(null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='CaseRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('identified', models.IntegerField(default=0)),
                ('c_received', models.IntegerField(default=0)),
                ('c_victims', models.IntegerField(default=0)),
                ('c_in_identification', models.IntegerField(default=0)),
                ('c_not_victims', models.IntegerField(default=0)),
                ('c_accompanying', models.IntegerField(default=0)),
                ('c_child_victims', models.IntegerField(default=0)),
                ('c_adult_victims', models.IntegerField(default=0)),
                ('c_victims_without_incident', models.IntegerField(default=0)),
                ('c_ethnicity_kinh', models.IntegerField(default=0)),
                ('c_ethnicity_minorities', models.IntegerField(default=0)),
                ('c_ethnicity_none', models.IntegerField(default=0)),
                ('c_exploitation_none', models.IntegerField(default=0)),
                ('c_sex_female', models.IntegerField(default=0)),
                ('c_sex_male', models.IntegerField(default=0)),
                ('c_sex_other', models.IntegerField(default=0)),
                ('c_sex_unknown', models.IntegerField(default=0)),
                ('c_age_under_11', models.IntegerField(default=0)),
                ('c_age_11_14', models.IntegerField(default=0)),
                ('c_age_15_17', models.IntegerField(default=0)),
                ('c_age_adult', models.IntegerField(default=0)),
                ('c_age_unknown', models.IntegerField(default=0)),
                ('c_return_self_returned', models.IntegerField(default=0)),
                ('c_return_rescued', models.IntegerField(default=0)),
                ('c_return_handed_over', models.IntegerField(default=0)),
                ('c_return_not_applicable', models.IntegerField(default=0)),
                ('c_return_none', models.IntegerField(default=0)),
                ('c_sex_child_female_child', models.IntegerField(default=0)),
                ('c_sex_child_female_adult', models.IntegerField(default=0)),
                ('c_sex_child_male_child', models.IntegerField(default=0)),
                ('c_sex_child_male_adult', models.IntegerField(default=0)),
                ('c_sex_child_other_child', models.IntegerField(default=0)),
                ('c_sex_child_other_adult', models.IntegerField(default=0)),
                ('c_sex_child_unknown_child', models.IntegerField(default=0)),
                ('c_sex_child_unknown_adult', models.IntegerField(default=0)),
                ('c_return_all_self_returned', models.IntegerField(default=0)),
                ('c_return_all_rescued', models.IntegerField(default=0)),
                ('c_return_all_handed_over', models.IntegerField(default=0)),
                ('c_return_all_not_applicable', models.IntegerField(default=0)),
                ('c_return_all_none', models.IntegerField(default=0)),
                ('c_handovers', models.IntegerField(default=0)),
                ('c_published_women_and_children', models.IntegerField(default=0)),
                ('c_status_reported', models.IntegerField(default=0)),
                ('c_status_verifying', models.IntegerField(default=0)),
                ('c_status_identifying', models.IntegerField(default=0)),
                ('c_status_identified', models.IntegerField(default=0)),
                ('c_status_not_identified', models.IntegerField(default=0)),
                ('c_status_supporting', models.IntegerField(default=0)),
                ('c_status_reintegrating', models.IntegerField(default=0)),
                ('c_status_closed', models.IntegerField(default=0)),
                ('province', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='casework.province')),
            ],
            options={
                'indexes': [models.Index(fields=['month'], name='case_rollup_month')],
                'constraints': [models.UniqueConstraint(fields=('province', 'month'), name='case_rollup_unique')],
            },
        ),
        migrations.CreateModel(
            name='IncidentRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('incident_id', models.IntegerField()),
                ('child', models.BooleanField(default=False)),
                ('recorded', models.BooleanField(default=False)),
                ('cross_border', models.BooleanField(default=False)),
                ('province', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='casework.province')),
            ],
            options={
                'indexes': [models.Index(fields=['province', 'month'], name='incident_rollup_place')],
            },
        ),
        migrations.RunPython(build_rollups, migrations.RunPython.noop),
    ]
