"""The notification and outbox models move from referrals to messaging (decision 144): state
only. Their tables keep their names (`Meta.db_table`), columns, indexes and constraints, so
no SQL runs; referrals 0010 removes the models from referrals' state and renames their
content types."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("casework", "0001_initial"),
        ("referrals", "0009_today_notification_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("referral_received", "new referral"),
                            ("referral_assigned", "referral assigned to you"),
                            ("referral_overdue", "referral step overdue"),
                            ("referral_escalated", "referral escalated"),
                            ("referral_moved", "referral status changed"),
                            ("followup_due", "follow-up visit due"),
                            ("followup_overdue", "follow-up visit overdue"),
                            ("followup_outcome", "follow-up outcome needs attention"),
                            ("task_created", "new task on a case"),
                        ],
                        max_length=30,
                    ),
                ),
                ("params", models.JSONField(default=dict)),
                ("url", models.CharField(blank=True, max_length=300)),
                ("key", models.CharField(max_length=150)),
                ("created_at", models.DateTimeField()),
                ("read_at", models.DateTimeField(blank=True, null=True)),
                ("emailed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="casework.agency"
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "notification",
                "verbose_name_plural": "notifications",
                "db_table": "referrals_notification",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("read_at__isnull", True)),
                        fields=["recipient", "created_at"],
                        name="notification_unread",
                    )
                ],
                "constraints": [models.UniqueConstraint(fields=("recipient", "key"), name="notification_once")],
            },
        ),
        migrations.CreateModel(
            name="OutboxMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("task", models.CharField(max_length=100)),
                ("args", models.JSONField(default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("failed_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.TextField(blank=True)),
            ],
            options={
                "db_table": "referrals_outboxmessage",
                "indexes": [
                    models.Index(
                        condition=models.Q(("done_at__isnull", True), ("failed_at__isnull", True)),
                        fields=["created_at"],
                        name="outbox_pending",
                    )
                ],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
