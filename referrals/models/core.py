"""Referrals between agencies (docs/responsibility.md; Law 53 arts. 27 and 30; Regulation 2548/QCPH)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.lib.person_name import ShowsIdentity
from casework.models import Agency, AgencyKind, Case, CaseGrant, CaseProvinceCopy
from casework.models.reference import BilingualLabel


class ReferralPurpose(BilingualLabel):
    """Why one agency hands a case, or part of the work, to another — data, admin-editable.

    "Immediately" in the law becomes a number of hours an administrator can change.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sender_kinds = models.ManyToManyField(AgencyKind, related_name="+", verbose_name=_("may be sent by"))
    receiver_kinds = models.ManyToManyField(AgencyKind, related_name="+", verbose_name=_("may be sent to"))
    lead_receiver_kinds = models.ManyToManyField(
        AgencyKind,
        blank=True,
        related_name="+",
        verbose_name=_("receivers that become the lead agency"),
        help_text=_(
            "Accepting a referral for this purpose makes a receiver of these kinds the lead agency of the case "
            "(e.g. the provincial social agency, Law 53 arts. 27(2) and 30)."
        ),
    )
    classes = models.JSONField(_("data shared on acceptance"), default=list)
    consent_required = models.BooleanField(_("needs the person's consent"), default=True)
    acknowledge_hours = models.PositiveIntegerField(_("hours to acknowledge"), null=True, blank=True)
    decide_hours = models.PositiveIntegerField(_("hours to accept or decline"), null=True, blank=True)
    handover_hours = models.PositiveIntegerField(_("hours to hand over"), null=True, blank=True)
    escalate_after_hours = models.PositiveIntegerField(
        _("hours overdue before escalation"),
        null=True,
        blank=True,
        help_text=_("A step still open this long after its deadline goes to the provincial coordinating supervisor."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("referral purpose")
        verbose_name_plural = _("referral purposes")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent")
    RECEIVED = "received", _("acknowledged")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    HANDED_OVER = "handed_over", _("handed over")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


# docs/responsibility.md. A redirect cancels the referral and sends a new one.
REFERRAL_TRANSITIONS: dict[str, set[str]] = {
    ReferralStatus.DRAFT: {ReferralStatus.SENT, ReferralStatus.CANCELLED},
    ReferralStatus.SENT: {ReferralStatus.RECEIVED, ReferralStatus.CANCELLED},
    ReferralStatus.RECEIVED: {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.CANCELLED},
    ReferralStatus.ACCEPTED: {ReferralStatus.HANDED_OVER},
    ReferralStatus.HANDED_OVER: {ReferralStatus.COMPLETED},
    ReferralStatus.DECLINED: set(),
    ReferralStatus.COMPLETED: set(),
    ReferralStatus.CANCELLED: set(),
}
# A step with a deadline runs (the inbox); nothing is due any more (the archive, docs/decisions.md 220).
WORK_STATUSES = {ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED}
FINISHED_STATUSES = {
    ReferralStatus.HANDED_OVER,
    ReferralStatus.COMPLETED,
    ReferralStatus.DECLINED,
    ReferralStatus.CANCELLED,
}
OPEN_STATUSES = {ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED, ReferralStatus.HANDED_OVER}
# Ending in one of these takes back what the referral granted.
REVOKING_STATUSES = {ReferralStatus.DECLINED, ReferralStatus.CANCELLED, ReferralStatus.COMPLETED}


class Referral(ShowsIdentity, CaseProvinceCopy):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("referral number"), max_length=40, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("case"))
    purpose = models.ForeignKey(ReferralPurpose, on_delete=models.PROTECT, verbose_name=_("purpose"))
    from_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="referrals_sent", verbose_name=_("from agency")
    )
    to_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="referrals_received", verbose_name=_("to agency")
    )
    status = models.CharField(_("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    status_changed_at = models.DateTimeField(_("status since"))
    note = models.TextField(_("note to the receiving agency"), blank=True)
    # The sender's word that the receiver should decide first; shown on the card before
    # acceptance with the person's profile (docs/decisions.md 205).
    urgent = models.BooleanField(_("urgent"), default=False)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving worker"),
    )
    due_at = models.DateTimeField(_("current step due"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_escalated",
        verbose_name=_("escalated to"),
    )
    routing_rule = models.ForeignKey(
        "referrals.RoutingRule",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("routed by rule"),
    )
    redirected_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="redirected_from"
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            # The inbox and the archive tab, received and sent (docs/decisions.md 221): each list
            # reads only its own agency's rows in its own order, never the finished ones with the open.
            models.Index(
                fields=["to_agency", "due_at", "created_at", "id"],
                name="referral_received_work",
                condition=models.Q(status__in=sorted(WORK_STATUSES)),
            ),
            models.Index(
                fields=["to_agency", "-created_at", "-id"],
                name="referral_received_done",
                condition=models.Q(status__in=sorted(FINISHED_STATUSES)),
            ),
            # The handovers of the last days, the inbox's second arm (`REFERRAL_INBOX_RECENT_DAYS`).
            models.Index(
                fields=["to_agency", "status_changed_at"],
                name="referral_received_handover",
                condition=models.Q(status=ReferralStatus.HANDED_OVER),
            ),
            models.Index(
                fields=["from_agency", "status_changed_at"],
                name="referral_sent_handover",
                condition=models.Q(status=ReferralStatus.HANDED_OVER),
            ),
            models.Index(
                fields=["from_agency", "due_at", "created_at", "id"],
                name="referral_sent_work",
                condition=models.Q(status__in=sorted(WORK_STATUSES)),
            ),
            models.Index(
                fields=["from_agency", "-created_at", "-id"],
                name="referral_sent_done",
                condition=models.Q(status__in=sorted(FINISHED_STATUSES)),
            ),
            models.Index(fields=["case", "-created_at"], name="referral_case"),
            models.Index(fields=["escalated_to", "status"], name="referral_escalated"),
            # The dashboards' overdue steps: a few thousand rows nationally, out of every referral.
            # The columns the dashboard counts are in the index, so it never reads the referrals
            # (an index-only scan, decision 304); a province's are a range of it, by the case's
            # province copied onto the referral (decision 325).
            models.Index(
                fields=["case_province", "to_agency", "due_at"],
                name="referral_overdue_open",
                condition=models.Q(overdue_flagged_at__isnull=False, status__in=sorted(OPEN_STATUSES)),
                include=["case", "escalated_at", "id"],
            ),
        ]
        constraints = [
            # One open referral per case, purpose and receiver: a second send is a mistake.
            models.UniqueConstraint(
                fields=["case", "purpose", "to_agency"],
                condition=models.Q(status__in=["sent", "received", "accepted", "handed_over"]),
                name="referral_one_open_per_receiver",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def grants(self):
        return CaseGrant.objects.filter(
            case_id=self.case_id, source=CaseGrant.Source.REFERRAL, source_ref=self.reference
        )


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    old_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
