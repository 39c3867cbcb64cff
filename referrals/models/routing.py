"""Routing rules as data (docs/responsibility.md): condition on the case → purpose → how the target is
picked. `referrals.routing.route_case` applies them; each applied rule leaves one
`RoutingDecision`, the unique key that makes routing idempotent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models import Agency, AgencyKind, Case, CaseStatus, CaseTask
from casework.models.reference import BilingualLabel

from .core import Referral, ReferralPurpose


class RoutingRule(BilingualLabel):
    class Sender(models.TextChoices):
        OWNER = "owner", _("the agency that owns the case")
        RECEIVER = "receiver", _("the agency that accepted a referral for the purpose below")

    class Target(models.TextChoices):
        AGENCY = "agency", _("an agency of the target kind in the target province")
        FACILITY = "facility", _("a shelter with a free bed that takes the person, nearest to home first")
        RECEPTION_COMMUNE = "reception_commune", _("the commune where the person was received")
        HOME_COMMUNE = "home_commune", _("the person's home commune")
        TASK = "task", _("no referral: a task for the lead agency")

    class Province(models.TextChoices):
        SENDER = "sender", _("the sending agency's province")
        RECEPTION = "reception", _("the province of reception")
        HOME = "home", _("the person's home province (else the province of reception)")

    class Age(models.TextChoices):
        ANY = "any", _("anyone")
        CHILDREN = "children", _("children only")
        ADULTS = "adults", _("adults only")

    class Nationality(models.TextChoices):
        ANY = "any", _("any nationality")
        VIETNAMESE = "vietnamese", _("Vietnamese citizens and stateless residents")
        FOREIGN = "foreign", _("foreign nationals")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    purpose = models.ForeignKey(ReferralPurpose, on_delete=models.PROTECT, related_name="+", verbose_name=_("purpose"))
    case_statuses = models.JSONField(
        _("case statuses"), default=list, blank=True, help_text=_("Empty: any status before closure.")
    )
    sender = models.CharField(_("sent by"), max_length=10, choices=Sender.choices, default=Sender.OWNER)
    sender_kinds = models.ManyToManyField(
        AgencyKind, blank=True, related_name="+", verbose_name=_("sender kinds"), help_text=_("Empty: any kind.")
    )
    after_purpose = models.ForeignKey(
        ReferralPurpose,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("after accepting a referral for"),
    )
    came_to_notice = models.JSONField(
        _("how the person came to notice"), default=list, blank=True, help_text=_("Empty: any way.")
    )
    age = models.CharField(_("applies to"), max_length=10, choices=Age.choices, default=Age.ANY)
    nationality = models.CharField(
        _("nationality"), max_length=12, choices=Nationality.choices, default=Nationality.ANY
    )
    target = models.CharField(_("target"), max_length=20, choices=Target.choices, default=Target.AGENCY)
    task_kind = models.CharField(_("task"), max_length=40, choices=CaseTask.Kind.choices, blank=True)
    task_hours = models.PositiveIntegerField(_("hours to do the task"), null=True, blank=True)
    target_kind = models.ForeignKey(
        AgencyKind, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("target kind")
    )
    target_province = models.CharField(
        _("target province"), max_length=10, choices=Province.choices, default=Province.SENDER
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def applies_to_status(self, status: str) -> bool:
        if self.case_statuses:
            return status in self.case_statuses
        return status != CaseStatus.CLOSED

    def applies_to_notice(self, came_to_notice: str) -> bool:
        return not self.came_to_notice or came_to_notice in self.came_to_notice

    def applies_to_nationality(self, foreign: bool | None) -> bool:
        """`foreign` is None when the nationality is not recorded: only "any" applies then."""
        if self.nationality == self.Nationality.ANY:
            return True
        return foreign is not None and foreign == (self.nationality == self.Nationality.FOREIGN)


class RoutingDecision(models.Model):
    """What one rule did for one case — at most one row per (case, rule). A rule that found
    no target or is waiting for consent keeps trying on later changes; once it has sent a
    referral (or found the work already referred) it is done."""

    class Outcome(models.TextChoices):
        REFERRED = "referred", _("referral sent")
        ALREADY_REFERRED = "already_referred", _("already referred")
        NO_TARGET = "no_target", _("no agency or free bed found")
        WAITING_CONSENT = "waiting_consent", _("waiting for the person's consent")
        TASK_CREATED = "task_created", _("task created for the lead agency")

    FINAL = {Outcome.REFERRED, Outcome.ALREADY_REFERRED, Outcome.TASK_CREATED}

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="routing_decisions")
    rule = models.ForeignKey(RoutingRule, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="routing_decision"
    )
    sender = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [models.UniqueConstraint(fields=["case", "rule"], name="routing_decision_once")]
