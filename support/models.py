"""Support entitlements as data (docs/domain.md §5, docs/domain.md §5): the catalogue of what a person
may be owed under each legal regime, who is eligible, and the date-effective, per-province rates
that price it. The catalogue is seeded from `support/catalogue.py`; an administrator
fills the amounts docs/domain.md marks unverified. Nothing here is invented: an item without a rate
says "rate not set"."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models.agencies import Agency, Role
from casework.models.cases import Case, CaseProvinceCopy, LegalRegime, PersonStatus
from casework.models.reference import BilingualLabel, Province


class AmountKind(models.TextChoices):
    IN_KIND = "in_kind", _("in kind or as a service")
    FIXED = "fixed", _("fixed amount")
    PER_DAY = "per_day", _("amount per day")
    COEFFICIENT = "coefficient", _("multiple of the standard social assistance level")


class SupportItem(BilingualLabel):
    """One entitlement of one regime, e.g. Law 53 art. 37 point a (essential needs)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    regime = models.CharField(_("legal regime"), max_length=10, choices=LegalRegime.choices)
    point = models.CharField(_("point"), max_length=4, blank=True, help_text=_("The letter of the article's point."))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    amount_kind = models.CharField(_("how the amount is set"), max_length=12, choices=AmountKind.choices)
    cap_days = models.PositiveSmallIntegerField(_("at most (days)"), null=True, blank=True)
    extendable = models.BooleanField(_("cap extendable by decision"), default=False)
    claim_form = models.CharField(_("claim form"), max_length=60, blank=True)
    decision_working_days = models.PositiveSmallIntegerField(_("decision due (working days)"), null=True, blank=True)
    claim_within_months = models.PositiveSmallIntegerField(
        _("claim within (months of identification)"), null=True, blank=True
    )
    poor_household_only = models.BooleanField(_("only for poor households"), default=False)
    counts_shelter_days = models.BooleanField(
        _("days come from shelter stays"),
        default=False,
        help_text=_("Days used are counted from shelter stays and essential-needs services."),
    )
    deciding_kind = models.ForeignKey(
        "casework.AgencyKind",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by agencies of kind"),
    )
    deciding_role = models.CharField(
        _("decided by the role"), max_length=20, choices=Role.choices, default=Role.SUPERVISOR
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "casework_supportitem"
        ordering = ["regime", "sort_order", "code"]
        verbose_name = _("support item")
        verbose_name_plural = _("support items")


class Nationality(models.TextChoices):
    ANY = "any", _("any")
    VIETNAMESE = "vietnamese", _("Vietnamese citizen or stateless resident")
    FOREIGN = "foreign", _("foreigner trafficked in Vietnam")


class Whereabouts(models.TextChoices):
    ANY = "any", _("anywhere")
    IN_VIETNAM = "in_vietnam", _("in Vietnam")
    ABROAD = "abroad", _("abroad")


class EligibilityRule(models.Model):
    """A row of docs/domain.md §5's table: who, under which conditions, is owed an item."""

    item = models.ForeignKey(SupportItem, on_delete=models.CASCADE, related_name="rules")
    person_statuses = models.JSONField(_("person statuses"), default=list)
    nationality = models.CharField(_("nationality"), max_length=12, choices=Nationality.choices, default="any")
    whereabouts = models.CharField(_("where the person is"), max_length=12, choices=Whereabouts.choices, default="any")
    case_by_case = models.BooleanField(_("decided case by case"), default=False)
    reason = models.CharField(_("reason (Vietnamese)"), max_length=300)
    reason_en = models.CharField(_("reason (English)"), max_length=300)

    class Meta:
        db_table = "casework_eligibilityrule"
        ordering = ["item", "id"]
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")

    def clean(self):
        from django.core.exceptions import ValidationError

        unknown = set(self.person_statuses) - set(PersonStatus.values)
        if unknown or not self.person_statuses:
            raise ValidationError({"person_statuses": _("Choose known person statuses.")})


class StandardLevel(models.Model):
    """The standard social assistance level (mức chuẩn trợ giúp xã hội), VND a month, from a
    date; national (no province) or a province's higher level."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    effective_from = models.DateField(_("effective from"))
    amount_vnd = models.PositiveIntegerField(_("amount (VND a month)"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)

    class Meta:
        db_table = "casework_standardlevel"
        ordering = ["province", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from"], condition=Q(province__isnull=True), name="standard_level_national_once"
            ),
            models.UniqueConstraint(fields=["province", "effective_from"], name="standard_level_province_once"),
        ]
        verbose_name = _("standard social assistance level")
        verbose_name_plural = _("standard social assistance levels")


class ItemRate(models.Model):
    """What an item pays from a date, nationally or in one province: an amount in VND (fixed
    or per day) or a coefficient of the standard level. Left empty until an administrator sets
    it from the text in force."""

    item = models.ForeignKey(SupportItem, on_delete=models.CASCADE, related_name="rates")
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    effective_from = models.DateField(_("effective from"))
    amount_vnd = models.PositiveIntegerField(_("amount (VND)"), null=True, blank=True)
    coefficient = models.DecimalField(_("coefficient"), max_digits=6, decimal_places=2, null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)

    class Meta:
        db_table = "casework_itemrate"
        ordering = ["item", "province", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_vnd__isnull=True) | Q(coefficient__isnull=True),
                name="item_rate_amount_or_coefficient",
            ),
            models.UniqueConstraint(
                fields=["item", "effective_from"], condition=Q(province__isnull=True), name="item_rate_national_once"
            ),
            models.UniqueConstraint(fields=["item", "province", "effective_from"], name="item_rate_province_once"),
        ]
        verbose_name = _("support rate")
        verbose_name_plural = _("support rates")


class CapExtension(models.Model):
    """More days of a capped item for one case, by a recorded decision (e.g. essential needs
    beyond 120 days, extended by the facility's director or the Department of Health)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="cap_extensions")
    item = models.ForeignKey(SupportItem, on_delete=models.PROTECT, related_name="+")
    extra_days = models.PositiveSmallIntegerField(_("extra days"))
    decision_number = models.CharField(_("decision number"), max_length=80)
    decided_by = models.CharField(_("decided by"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey("casework.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "casework_capextension"
        ordering = ["decided_on", "id"]
        verbose_name = _("extension of a cap")
        verbose_name_plural = _("extensions of a cap")


class CalendarDay(BilingualLabel):
    """A weekday off (public holiday, Tết) or a weekend day worked in exchange (làm bù). Data:
    the Government announces Tết and the swapped days each year; an administrator enters them."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        WORKING = "working", _("working day in exchange")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)

    class Meta:
        db_table = "casework_calendarday"
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")


class ClaimStatus(models.TextChoices):
    FILED = "filed", _("filed, awaiting decision")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class Claim(CaseProvinceCopy):
    """An application for an item (e.g. Form 07 for education, vocational or hardship support),
    filed by the caseworker with the person's documents and decided by the role the item names,
    within its working-day deadline."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="claims")
    item = models.ForeignKey(SupportItem, on_delete=models.PROTECT, related_name="claims")
    deciding_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="claims_to_decide", verbose_name=_("deciding agency")
    )
    filed_on = models.DateField(_("filed on"))
    filed_by = models.ForeignKey("casework.User", on_delete=models.PROTECT, related_name="+")
    documents = models.TextField(_("documents provided"))
    amount_requested_vnd = models.PositiveBigIntegerField(_("amount requested (VND)"), null=True, blank=True)
    due_on = models.DateField(_("decision due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.FILED)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey("casework.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    amount_decided_vnd = models.PositiveBigIntegerField(_("amount decided (VND)"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "casework_claim"
        ordering = ["-filed_on", "-id"]
        indexes = [
            models.Index(fields=["deciding_agency", "status", "due_on"], name="claim_agency_due"),
            models.Index(
                fields=["case_province", "status", "decided_at"],
                include=["amount_decided_vnd", "id"],
                name="claim_province_decided",
            ),
        ]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")


class Payment(CaseProvinceCopy):
    """One line of the append-only payment ledger, in whole VND. A correction is a new line
    reversing an earlier one; on PostgreSQL a trigger refuses UPDATE and DELETE, except an
    UPDATE of the copied province alone (`CaseProvinceCopy`), which follows the case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments")
    item = models.ForeignKey(SupportItem, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    amount_vnd = models.BigIntegerField(_("amount (VND)"))
    paid_on = models.DateField(_("paid on"))
    payer_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("paid by"))
    receipt_ref = models.CharField(_("receipt reference"), max_length=80)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey("casework.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "casework_payment"
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount_vnd__gt=0))
                | (Q(reverses__isnull=False) & Q(amount_vnd__lt=0)),
                name="payment_positive_or_reversal",
            )
        ]
        indexes = [
            models.Index(fields=["payer_agency", "paid_on"], name="payment_agency_day"),
            models.Index(
                fields=["case_province", "paid_on"], include=["amount_vnd", "case"], name="payment_province_day"
            ),
        ]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def save(self, *args, **kwargs):
        """Lines are only ever added; PostgreSQL's trigger refuses a change too."""
        if self.pk is not None and not self._state.adding:
            raise ValueError("A posted payment cannot be changed; record a reversing entry.")
        super().save(*args, **kwargs)
