"""The day list finds an agency's open verifications from a small partial index instead of
reading every case the agency owns (issue 18, docs/decisions.md 310)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0031_case_province_id'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('verification_concluded_at__isnull', True), ('verification_started_at__isnull', False)), fields=['owning_agency', 'verification_due_at'], name='case_verification_open'),
        ),
    ]
