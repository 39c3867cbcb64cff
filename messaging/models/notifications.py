"""In-app and e-mail notifications. The text is built from a kind and references (referral
and case numbers, purposes, agencies), never from identity data, and is rendered in the
reader's language. The table kept its name when the model moved from referrals (decision 144)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models import Agency


class Notification(models.Model):
    class Kind(models.TextChoices):
        REFERRAL_RECEIVED = "referral_received", _("new referral")
        REFERRAL_ASSIGNED = "referral_assigned", _("referral assigned to you")
        REFERRAL_OVERDUE = "referral_overdue", _("referral step overdue")
        REFERRAL_ESCALATED = "referral_escalated", _("referral escalated")
        REFERRAL_MOVED = "referral_moved", _("referral status changed")
        FOLLOWUP_DUE = "followup_due", _("follow-up visit due")
        FOLLOWUP_OVERDUE = "followup_overdue", _("follow-up visit overdue")
        FOLLOWUP_OUTCOME = "followup_outcome", _("follow-up outcome needs attention")
        TASK_CREATED = "task_created", _("new task on a case")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    # One notification per effect: e.g. "overdue:<referral>:<step>" for each recipient.
    key = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "referrals_notification"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"], name="notification_unread", condition=models.Q(read_at__isnull=True)
            )
        ]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
