"""The inbox reads only referrals with work left and the archive tab the finished ones, each
through a partial index in its own order (issue 18, docs/decisions.md 221). `referral_inbox`
read every referral an agency ever received; the new indexes replace it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0011_referral_urgent'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='referral',
            name='referral_inbox',
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('status__in', ['accepted', 'received', 'sent'])), fields=['to_agency', 'due_at', 'created_at', 'id'], name='referral_received_work'),
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('status__in', ['cancelled', 'completed', 'declined', 'handed_over'])), fields=['to_agency', '-created_at', '-id'], name='referral_received_done'),
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('status', 'handed_over')), fields=['to_agency', 'status_changed_at'], name='referral_received_handover'),
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('status', 'handed_over')), fields=['from_agency', 'status_changed_at'], name='referral_sent_handover'),
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('status__in', ['accepted', 'received', 'sent'])), fields=['from_agency', 'due_at', 'created_at', 'id'], name='referral_sent_work'),
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('status__in', ['cancelled', 'completed', 'declined', 'handed_over'])), fields=['from_agency', '-created_at', '-id'], name='referral_sent_done'),
        ),
    ]
