"""A province's case ids from an index alone: `case_province_id` (reception province, id) replaces
the foreign key's own index on the province, which it and `case_province_received` both lead
with (issue 18, docs/decisions.md 304)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0030_case_identification_officer'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='reception_province',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.province', verbose_name='province of reception'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['reception_province', 'id'], name='case_province_id'),
        ),
    ]
