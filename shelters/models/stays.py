"""Stays in a facility, their intake form, the services given, and follow-up after discharge
(docs/data-model.md, Shelters). A stay's existence and place are `shelter` class; each part below says its own."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.lib.person_name import ShowsIdentity
from casework.models import Agency, Case, Consent, SensitivityClass
from shelters.models.facilities import Bed, Facility, Placement


class Stay(ShowsIdentity, models.Model):
    class Source(models.TextChoices):
        PLACEMENT = "placement", _("placement referral")
        WALK_IN = "walk_in", _("walk-in")

    class Destination(models.TextChoices):
        FAMILY = "family", _("home to her family")
        RELATIVES = "relatives", _("to relatives")
        INDEPENDENT = "independent", _("independent living")
        OTHER_FACILITY = "other_facility", _("another facility")
        HOSPITAL = "hospital", _("hospital")
        LEFT = "left", _("left of her own will")
        OTHER = "other", _("other")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stays")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="stays")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="stays", verbose_name=_("bed"))
    source = models.CharField(_("admitted from"), max_length=20, choices=Source.choices)
    placement = models.OneToOneField(Placement, on_delete=models.PROTECT, null=True, blank=True, related_name="stay")
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("consent to stay")
    )
    # When she arrived (typed, may precede data entry); `admission_recorded_at` is when it was entered.
    admitted_at = models.DateTimeField(_("admitted at"))
    admitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    admission_recorded_at = models.DateTimeField(_("admission recorded at"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"))
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    destination = models.CharField(_("destination"), max_length=20, choices=Destination.choices, blank=True)
    destination_detail = models.CharField(_("where exactly"), max_length=300, blank=True)
    discharge_reason = models.TextField(_("reason for discharge"), blank=True)
    discharge_recorded_at = models.DateTimeField(_("discharge recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["-admitted_at", "-id"]
        constraints = [
            # The database, too, refuses a second person in a bed or a second stay at once.
            models.UniqueConstraint(fields=["bed"], condition=Q(discharged_at__isnull=True), name="stay_one_per_bed"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(discharged_at__isnull=True), name="stay_one_current_per_case"
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True) | Q(discharged_at__gte=F("admitted_at")),
                name="stay_discharge_after_admission",
            ),
        ]
        verbose_name = _("stay")
        verbose_name_plural = _("stays")

    def __str__(self) -> str:
        return f"{self.facility.code} {self.admitted_at:%Y-%m-%d}"

    @property
    def is_current(self) -> bool:
        return self.discharged_at is None


class StayExtension(models.Model):
    """A later planned end, by decision, with the reason. Beyond the facility's maximum stay
    the decision's number is required."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="extensions")
    previous_end = models.DateField(_("previous planned end"))
    new_end = models.DateField(_("new planned end"))
    decision_number = models.CharField(_("decision number"), max_length=80, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=200)
    # Who decided, when picked from the facility's staff (docs/decisions.md 202); `decided_by`
    # keeps the name as shown then, or as typed for someone outside the system.
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by (user)"),
    )
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("extension of stay")
        verbose_name_plural = _("extensions of stay")


class Intake(models.Model):
    """The intake form, one per stay, filled in by sections over one or more sittings. Each
    section's answers are kept as saved (a draft); completion checks the required ones."""

    stay = models.OneToOneField(Stay, on_delete=models.CASCADE, related_name="intake")
    sections = models.JSONField(default=dict)
    saved_at = models.JSONField(default=dict)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("intake form")
        verbose_name_plural = _("intake forms")


class ServiceKind(models.TextChoices):
    COUNSELLING = "counselling", _("counselling")
    MEDICAL = "medical", _("medical care")
    LEGAL_AID = "legal_aid", _("legal aid")
    SCHOOLING = "schooling", _("schooling")
    VOCATIONAL = "vocational", _("vocational training")
    LIFE_SKILLS = "life_skills", _("life skills")
    ESSENTIAL_NEEDS = "essential_needs", _("essential needs (meals, clothing, hygiene)")


# Who may read a service record: care of body and mind is health data; the rest tells where
# she is and what the shelter does for her.
SERVICE_SENSITIVITY = {
    ServiceKind.COUNSELLING: SensitivityClass.HEALTH,
    ServiceKind.MEDICAL: SensitivityClass.HEALTH,
    ServiceKind.LEGAL_AID: SensitivityClass.SHELTER,
    ServiceKind.SCHOOLING: SensitivityClass.SHELTER,
    ServiceKind.VOCATIONAL: SensitivityClass.SHELTER,
    ServiceKind.LIFE_SKILLS: SensitivityClass.SHELTER,
    ServiceKind.ESSENTIAL_NEEDS: SensitivityClass.SHELTER,
}


class ServiceRecord(models.Model):
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="services")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=20, choices=ServiceKind.choices)
    provided_on = models.DateField(_("date"))
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    provider = models.CharField(_("provided by"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    sensitivity = models.CharField(max_length=20, choices=SensitivityClass.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-provided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="essential_needs", days__gte=1) | (~Q(kind="essential_needs") & Q(days__isnull=True)),
                name="service_days_only_for_essential_needs",
            )
        ]
        verbose_name = _("service")
        verbose_name_plural = _("services")


class FollowUpOutcome(models.TextChoices):
    SAFE = "safe", _("safe")
    AT_RISK = "at_risk", _("at risk")
    RETRAFFICKED = "retrafficked", _("re-trafficked")
    LOST_CONTACT = "lost_contact", _("lost contact")


class FollowUpVisit(ShowsIdentity, models.Model):
    """One visit of the follow-up plan opened at discharge, due a number of months after it."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="followups")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followups")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible agency"))
    months = models.PositiveSmallIntegerField(_("months after discharge"))
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=FollowUpOutcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Reminders are sent once each (compare-and-set on these columns).
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    # A visit made long ago, entered from the facility's record (an HTCDS import, decision 266):
    # never planned, so it is one per day of the stay's visits rather than one per month of a plan.
    from_record = models.BooleanField(_("entered from the record"), default=False, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stay", "months"], condition=Q(from_record=False), name="followup_unique_per_stay"
            ),
            models.UniqueConstraint(
                fields=["stay", "visited_on"], condition=Q(from_record=True), name="followup_from_record_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["agency", "due_on"], name="followup_agency_due")]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
