"""The officer who signed an identification decision: a user of the deciding agency, or the
name as typed (docs/decisions.md 202)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0029_country_names_and_common_destinations'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='identification_officer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='signing officer'),
        ),
        migrations.AddField(
            model_name='case',
            name='identification_officer_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='signing officer (as typed)'),
        ),
    ]
