"""The overdue open steps' index carries the columns the dashboards count, so a provincial
dashboard reads them without the referrals (issue 18, docs/decisions.md 304)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0012_inbox_archive_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='referral',
            name='referral_overdue_open',
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('overdue_flagged_at__isnull', False), ('status__in', ['accepted', 'handed_over', 'received', 'sent'])), fields=['to_agency', 'due_at'], include=('case', 'escalated_at', 'id'), name='referral_overdue_open'),
        ),
    ]
