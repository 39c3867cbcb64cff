"""Cases, their timeline, incidents and offenders, consent, notes and documents."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.agencies import Agency
from casework.models.people import Person, Sex
from casework.models.reference import Country, PicklistValue, Province


class SensitivityClass(models.TextChoices):
    CORE = "core", _("core")
    IDENTITY = "identity", _("identity")
    HEALTH = "health", _("health")
    INVESTIGATION = "investigation", _("investigation")
    SHELTER = "shelter", _("shelter")
    SUPPORT = "support", _("support")


# The guardian permission on Case that each class needs.
CLASS_PERMISSIONS = {
    SensitivityClass.CORE: "view_case",
    SensitivityClass.IDENTITY: "view_case_identity",
    SensitivityClass.HEALTH: "view_case_health",
    SensitivityClass.INVESTIGATION: "view_case_investigation",
    SensitivityClass.SHELTER: "view_case_shelter",
    SensitivityClass.SUPPORT: "view_case_support",
}
CHANGE_PERMISSION = "change_case"
# A timeline line says "entered later" when it was typed in this long after it happened.
ENTERED_LATER = datetime.timedelta(minutes=10)


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("reported")
    VERIFYING = "verifying", _("initial verification")
    IDENTIFYING = "identifying", _("identification")
    IDENTIFIED = "identified", _("identified as victim")
    NOT_IDENTIFIED = "not_identified", _("not identified")
    SUPPORTING = "supporting", _("support")
    REINTEGRATING = "reintegrating", _("reintegration")
    CLOSED = "closed", _("closed")


# Allowed moves (docs/data-model.md). Identification outcomes go only through
# do_record_identification; closing needs a reason; reopening returns to the status held
# before closure.
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.REPORTED: {CaseStatus.VERIFYING, CaseStatus.CLOSED},
    CaseStatus.VERIFYING: {CaseStatus.IDENTIFYING, CaseStatus.CLOSED},
    CaseStatus.IDENTIFYING: {CaseStatus.IDENTIFIED, CaseStatus.NOT_IDENTIFIED, CaseStatus.VERIFYING},
    CaseStatus.IDENTIFIED: {CaseStatus.SUPPORTING, CaseStatus.CLOSED},
    CaseStatus.NOT_IDENTIFIED: {CaseStatus.IDENTIFYING, CaseStatus.CLOSED},
    CaseStatus.SUPPORTING: {CaseStatus.REINTEGRATING, CaseStatus.CLOSED},
    CaseStatus.REINTEGRATING: {CaseStatus.SUPPORTING, CaseStatus.CLOSED},
    CaseStatus.CLOSED: set(),
}
IDENTIFICATION_OUTCOMES = {CaseStatus.IDENTIFIED, CaseStatus.NOT_IDENTIFIED}


class VerificationOutcome(models.TextChoices):
    """The result of initial verification (Law 53 art. 27(3)–(4))."""

    DOCUMENTS_COMPLETE = "documents_complete", _("documents establish the person as a victim (art. 33(1))")
    IDENTIFICATION_NEEDED = "identification_needed", _("documents missing: identification procedure (art. 27(4))")
    NO_SIGNS = "no_signs", _("no signs of trafficking found")


class LegalRegime(models.TextChoices):
    LAW_2011 = "law_2011", _("Law 66/2011 (identified before 01/07/2025)")
    LAW_2024 = "law_2024", _("Law 53/2024 (identified from 01/07/2025)")


class PersonStatus(models.TextChoices):
    IN_IDENTIFICATION = "in_identification", _("person in identification")
    VICTIM = "victim", _("victim")
    ACCOMPANYING_CHILD = "accompanying_child", _("accompanying under-18")
    NOT_VICTIM = "not_victim", _("not a victim")


class CameToNotice(models.TextChoices):
    SELF_REPORT = "self_report", _("self-report")
    RESCUE = "rescue", _("rescue")
    BORDER_HANDOVER = "border_handover", _("handed over by foreign authorities at a border gate")
    MISSION_RETURN = "mission_return", _("returned through a mission abroad")
    HOTLINE = "hotline_111", _("hotline 111")
    NGO = "ngo_referral", _("referred by an NGO")
    OTHER = "other", _("other")


class ReturnMode(models.TextChoices):
    SELF_RETURNED = "self_returned", _("returned on their own")
    RESCUED = "rescued", _("rescued")
    HANDED_OVER = "handed_over", _("handed over by foreign authorities")
    NOT_APPLICABLE = "not_applicable", _("not applicable (domestic)")


class AgeBand(models.TextChoices):
    """Age at reception as the official figures group it (docs/domain.md §7; the reported bands
    overlap at 16, so the children's bands here are 0–10, 11–14 and 15–17)."""

    UNDER_11 = "under_11", _("under 11")
    FROM_11_TO_14 = "11_14", _("11–14")
    FROM_15_TO_17 = "15_17", _("15–17")
    ADULT = "adult", _("18 and over")
    UNKNOWN = "unknown", _("age unknown")


# (band, lowest age, highest age) in whole years at reception.
AGE_BAND_LIMITS = [
    (AgeBand.UNDER_11, 0, 10),
    (AgeBand.FROM_11_TO_14, 11, 14),
    (AgeBand.FROM_15_TO_17, 15, 17),
    (AgeBand.ADULT, 18, None),
]


def age_band_of(age: int | None) -> str:
    """The band of an age in whole years at reception (`AgeBand.UNKNOWN` when not known)."""
    if age is None:
        return AgeBand.UNKNOWN
    for name, low, high in AGE_BAND_LIMITS:
        if age >= low and (high is None or age <= high):
            return name
    return AgeBand.UNKNOWN


def age_band_q(band: str, prefix: str = "") -> models.Q:
    """The cases whose person was of `band` at reception (`prefix` reaches the case)."""
    field = f"{prefix}age_at_reception"
    if band == AgeBand.UNKNOWN:
        return models.Q(**{f"{field}__isnull": True})
    for name, low, high in AGE_BAND_LIMITS:
        if name == band:
            condition = models.Q(**{f"{field}__gte": low})
            return condition & models.Q(**{f"{field}__lte": high}) if high is not None else condition
    raise ValueError(band)


class StatusDeadline(models.Model):
    """How long a case may stay in a status before it is overdue.

    Only statutory limits are seeded (initial verification: 3 days, Law 53 art. 27(3));
    a limit docs/domain.md marks unverified stays empty for an administrator to fill in.
    """

    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, unique=True)
    hours = models.PositiveIntegerField(_("hours allowed"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        ordering = ["status"]
        verbose_name = _("status deadline")
        verbose_name_plural = _("status deadlines")

    def __str__(self) -> str:
        return self.get_status_display()


class ReferenceCounter(models.Model):
    """The last sequence number used for case references of a province and year."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["province", "year"], name="reference_counter_unique")]


class Incident(models.Model):
    """One trafficking event as the police count it; groups cases and offenders."""

    class Stage(models.TextChoices):
        REPORTED = "reported", _("reported")
        INVESTIGATING = "investigating", _("investigating")
        PROSECUTED = "prosecuted", _("prosecuted")
        TRIED = "tried", _("tried")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("agency"))
    criminal_case_number = models.CharField(_("criminal case number"), max_length=60, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.REPORTED)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.criminal_case_number or str(self.public_id)[:8]


class Offender(models.Model):
    class RoleInProcess(models.TextChoices):
        RECRUITER = "Recruiter", _("recruiter")
        TRANSPORTER = "Transporter", _("transporter")
        EXPLOITER = "Exploiter", _("exploiter")
        FACILITATOR = "Facilitator", _("facilitator")
        OTHER = "Other", _("other")
        UNKNOWN = "Unknown", _("unknown")

    class Relation(models.TextChoices):
        INTIMATE_PARTNER = "IntimatePartner", _("intimate partner")
        FAMILY = "Family", _("family member")
        FRIEND = "Friend", _("friend or acquaintance")
        STRANGER = "Stranger", _("stranger")
        OTHER = "Other", _("other")
        UNKNOWN = "Unknown", _("unknown")

    class Stage(models.TextChoices):
        """How far the criminal proceedings against the offender went, as the police report
        them (arrested, prosecuted, convicted); each stage counts in the earlier ones too."""

        AT_LARGE = "at_large", _("not arrested")
        ARRESTED = "arrested", _("arrested")
        PROSECUTED = "prosecuted", _("prosecuted")
        CONVICTED = "convicted", _("convicted")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="offenders")
    full_name = models.CharField(_("name or alias"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    nationality = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("nationality")
    )
    role_in_process = models.CharField(
        _("role in the process"), max_length=20, choices=RoleInProcess.choices, default=RoleInProcess.UNKNOWN
    )
    relation_to_victim = models.CharField(
        _("relation to the victim"), max_length=20, choices=Relation.choices, default=Relation.UNKNOWN
    )
    # Blank: not recorded.
    stage = models.CharField(_("furthest stage of the proceedings"), max_length=20, choices=Stage.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("offender")
        verbose_name_plural = _("offenders")

    def __str__(self) -> str:
        return self.full_name or str(_("unknown offender"))


class Case(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference number"), max_length=30, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    owning_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="owned_cases", verbose_name=_("owning agency")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned caseworker"),
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.REPORTED)
    status_changed_at = models.DateTimeField(_("status since"))
    person_status = models.CharField(
        _("person status"), max_length=20, choices=PersonStatus.choices, default=PersonStatus.IN_IDENTIFICATION
    )
    legal_regime = models.CharField(_("legal regime"), max_length=10, choices=LegalRegime.choices, blank=True)
    came_to_notice = models.CharField(_("how the person came to notice"), max_length=20, choices=CameToNotice.choices)
    return_mode = models.CharField(_("how the person returned"), max_length=20, choices=ReturnMode.choices, blank=True)
    received_at = models.DateTimeField(_("received at"))
    # Indexed by `case_province_received` and `case_province_id` (both lead with it).
    reception_province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province of reception"), db_index=False
    )
    reception_place = models.CharField(_("place of reception"), max_length=200, blank=True)
    # The commune where the person was received: the police, border guard and coast guard bring
    # the person to it at once (Law 53 art. 27(1)), so routing notifies it.
    reception_commune = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind__code": "commune"},
        verbose_name=_("commune of reception"),
    )
    destination_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destination country"),
    )
    route = models.CharField(_("route"), max_length=300, blank=True)
    absent_from = models.DateField(_("absent from home since"), null=True, blank=True)
    absent_until = models.DateField(_("absent from home until"), null=True, blank=True)
    exploitation_forms = models.ManyToManyField(
        PicklistValue, blank=True, related_name="+", verbose_name=_("forms of exploitation")
    )
    means_of_control = models.ManyToManyField(
        PicklistValue, blank=True, related_name="+", verbose_name=_("means of control")
    )
    recruitment_methods = models.ManyToManyField(
        PicklistValue, blank=True, related_name="+", verbose_name=_("recruitment methods")
    )
    is_child = models.BooleanField(_("under 18 at reception"), default=False)
    # Whole years at reception, fixed when the case is registered (statistics group by it).
    age_at_reception = models.PositiveSmallIntegerField(_("age at reception"), null=True, blank=True)
    abroad = models.BooleanField(
        _("abroad"),
        default=False,
        help_text=_("The person is still abroad (identification through a mission); support differs (Law 53 art. 37)."),
    )
    # The day a person recorded as abroad came back to Vietnam (abroad then ends).
    returned_on = models.DateField(_("returned to Vietnam on"), null=True, blank=True)
    accompanies = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accompanying_cases",
        verbose_name=_("accompanies the person of case"),
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("incident")
    )
    identified_on = models.DateField(_("identification date"), null=True, blank=True)
    identification_authority = models.CharField(_("deciding authority"), max_length=200, blank=True)
    identification_document = models.CharField(_("decision / confirmation number"), max_length=100, blank=True)
    # The competent body that recorded the decision (its kind may identify, docs/domain.md §3) and the
    # grounds it relied on (Law 53 art. 32, IdentificationGround values).
    identification_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("deciding agency")
    )
    identification_grounds = models.JSONField(_("grounds (Law 53 art. 32)"), default=list, blank=True)
    # The officer who signed the decision: a user of the deciding agency when picked from its
    # staff, else the name as typed (docs/decisions.md 202).
    identification_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signing officer"),
    )
    identification_officer_name = models.CharField(_("signing officer (as typed)"), max_length=200, blank=True)
    # Initial verification (Law 53 art. 27(3)): within 3 days of the provincial social agency
    # receiving the person, ended by its result — not by a status move.
    verification_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("verifying agency")
    )
    verification_started_at = models.DateTimeField(_("verification started at"), null=True, blank=True)
    verification_due_at = models.DateTimeField(_("verification due"), null=True, blank=True)
    verification_concluded_at = models.DateTimeField(_("verification concluded at"), null=True, blank=True)
    verification_outcome = models.CharField(
        _("verification result"), max_length=30, choices=VerificationOutcome.choices, blank=True
    )
    verification_flagged_at = models.DateTimeField(null=True, blank=True)
    # The id the case has in another system it was imported from (HTCDS exchange); re-importing
    # the same file updates the case instead of registering the person again.
    external_id = models.CharField(_("id in the source system"), max_length=100, blank=True, editable=False)
    # Registered from the record of the past (historic HTCDS import, decision 120): no routing,
    # no deadlines, no verification clock and no overdue flags, ever.
    historic = models.BooleanField(_("historic record"), default=False, editable=False)
    due_at = models.DateTimeField(_("current step due"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.TextField(_("closure reason"), blank=True)
    # The case this one was merged into (a `CaseMerge` not reversed, decision 194): kept
    # read-only with its history, left out of the statistics, which count the survivor.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="absorbed_cases",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The person's `search_name`, copied by the database (triggers of migration 0034, on every
    # insert, every change of `person`, every change of the person's name): whatever is written
    # here is replaced. Identity data: filter on it only where identity is held, as
    # `case_filters` does (decision 335).
    search_name = models.CharField(max_length=600, editable=False, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("view_case_identity", "Can view identity data of a case"),
            ("view_case_health", "Can view health data of a case"),
            ("view_case_investigation", "Can view investigation data of a case"),
            ("view_case_shelter", "Can view shelter data of a case"),
            ("view_case_support", "Can view support data of a case"),
        ]
        indexes = [
            # The owner and the name ride in the newest-first index, so a walk for a page (probing
            # each case's permission rows, matching a name) reads no case row (decision 335).
            models.Index(fields=["-created_at", "-id"], include=["owning_agency", "search_name"], name="case_newest"),
            models.Index(fields=["status", "-created_at"], name="case_status_newest"),
            models.Index(fields=["owning_agency", "-created_at"], name="case_agency_newest"),
            models.Index(fields=["due_at"], name="case_due", condition=models.Q(overdue_flagged_at__isnull=True)),
            models.Index(
                fields=["verification_due_at"],
                name="case_verification_due",
                condition=models.Q(verification_flagged_at__isnull=True, verification_concluded_at__isnull=True),
            ),
            # The day list's open verifications of one agency (decision 310): without it the
            # page read every case the agency owns (60,000 at 1 M, 133 ms) to find a handful.
            models.Index(
                fields=["owning_agency", "verification_due_at"],
                name="case_verification_open",
                condition=models.Q(verification_started_at__isnull=False, verification_concluded_at__isnull=True),
            ),
            # Dashboards and statistics: a province's or an agency's cases received in a period.
            models.Index(fields=["reception_province", "received_at"], name="case_province_received"),
            # A province's case ids without reading the cases: the provincial dashboard joins its
            # claims, payments and overdue referrals to them (an index-only scan, decision 304).
            models.Index(fields=["reception_province", "id"], name="case_province_id"),
            models.Index(fields=["owning_agency", "received_at"], name="case_agency_received"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owning_agency", "external_id"],
                condition=~models.Q(external_id=""),
                name="case_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def allowed_moves(self) -> list[str]:
        return sorted(TRANSITIONS[self.status], key=list(CaseStatus.values).index)

    @property
    def is_overdue(self) -> bool:
        """A status past its limit, or initial verification past its 3 days."""
        verification_late = self.verification_flagged_at is not None and self.verification_concluded_at is None
        return self.overdue_flagged_at is not None or verification_late


class CaseProvinceCopy(models.Model):
    """A row of one case (a claim, a payment, a referral) that carries its case's province of
    reception (decision 325). A provincial dashboard counts such rows by the copy and its own
    index instead of joining the province's hundred thousand cases. Set on creation from the
    case; `dashboards.invalidation` moves it in the transaction that moves the case."""

    # Indexed by each model's own indexes that lead with it.
    case_province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.case_province_id is None:
            self.case_province_id = self.case.reception_province_id  # type: ignore[attr-defined]
        super().save(*args, **kwargs)


class CaseEvent(models.Model):
    """One line of a case's timeline: what changed, from what to what, why, by whom."""

    class Kind(models.TextChoices):
        CREATED = "created", _("case registered")
        TRANSITION = "transition", _("status changed")
        IDENTIFICATION = "identification", _("identification decision")
        REOPENED = "reopened", _("case reopened")
        ASSIGNED = "assigned", _("caseworker assigned")
        UPDATED = "updated", _("details updated")
        NOTE = "note", _("note added")
        DOCUMENT = "document", _("document uploaded")
        CONSENT = "consent", _("consent recorded")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("consent withdrawn")
        INCIDENT = "incident", _("incident linked")
        OFFENDER = "offender", _("offender recorded")
        GRANT = "grant", _("access granted")
        REVOKE = "revoke", _("access revoked")
        OVERDUE = "overdue", _("step overdue")
        POSSIBLE_DUPLICATE = "possible_duplicate", _("same person registered by another agency")
        REFERRAL = "referral", _("referral")
        SHELTER = "shelter", _("shelter stay")
        FOLLOWUP = "followup", _("follow-up visit")
        SUPPORT = "support", _("support")
        LEAD = "lead", _("lead agency changed")
        VERIFICATION = "verification", _("initial verification")
        PROPOSAL = "proposal", _("identification proposed")
        TASK = "task", _("task")
        RETURNED = "returned", _("returned to Vietnam")
        # A correction of the person's details, for those who may not see them (the values
        # are on an `identity` line of its own).
        IDENTITY_UPDATED = "identity_updated", _("identity details corrected")
        INCIDENT_UNLINKED = "incident_unlinked", _("removed from the incident")
        # Two records of one person (decisions 193–195).
        SAME_PERSON = "same_person", _("linked as the same person")
        SAME_PERSON_UNLINKED = "same_person_unlinked", _("same-person link removed")
        MERGED = "merged", _("cases merged")
        MERGE_REVERSED = "merge_reversed", _("merge reversed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    sensitivity = models.CharField(max_length=20, choices=SensitivityClass.choices, default=SensitivityClass.CORE)
    # When it happened. For a handover, an admission or a discharge typed in later this is the
    # real time, and `recorded_at` says when it was entered; otherwise the two are the same.
    at = models.DateTimeField()
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"], name="case_event_timeline")]

    @property
    def entered_later(self) -> bool:
        return self.recorded_at is not None and self.recorded_at - self.at > ENTERED_LATER


class Consent(models.Model):
    """Who agreed to share which data with whom, for what, and whether it still stands."""

    class GivenBy(models.TextChoices):
        PERSON = "person", _("the person")
        REPRESENTATIVE = "representative", _("legal representative")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(_("given by"), max_length=20, choices=GivenBy.choices)
    representative_name = models.CharField(_("representative's name"), max_length=200, blank=True)
    classes = models.JSONField(_("data shared"), default=list)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("with agency")
    )
    agency_kind = models.ForeignKey(
        "casework.AgencyKind",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("or with agencies of kind"),
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @staticmethod
    def concerning(agency: Agency) -> models.Q:
        """Consents that name this agency, its kind, or no agency at all."""
        return (
            models.Q(agency=agency)
            | models.Q(agency__isnull=True, agency_kind=agency.kind_id)
            | models.Q(agency__isnull=True, agency_kind__isnull=True)
        )

    def concerns(self, agency_id: int, kind_id: int | None) -> bool:
        """`concerning` for one row: the consent names this agency, its kind, or no agency."""
        if self.agency_id:
            return self.agency_id == agency_id
        if self.agency_kind_id:
            return self.agency_kind_id == kind_id
        return True

    def covers(self, agency: Agency, classes: set[str]) -> bool:
        """True when this consent still allows sharing all of `classes` with `agency`."""
        return self.is_active and classes <= set(self.classes) and self.concerns(agency.pk, agency.kind_id)


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    sensitivity = models.CharField(_("sensitivity"), max_length=20, choices=SensitivityClass.choices)
    body = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The case page reads a case's newest notes, then older ones a page at a time (decision 313).
        indexes = [models.Index(fields=["case", "-created_at", "-id"], name="note_case_newest")]


def document_path(document: "Document", filename: str) -> str:
    # The stored name never contains the uploaded name: it may identify the person.
    return f"cases/{document.case.public_id}/{document.public_id}"


class Document(models.Model):
    class Kind(models.TextChoices):
        ID_PAPER = "id_paper", _("identity paper")
        VICTIM_CONFIRMATION = "victim_confirmation", _("victim confirmation")
        RETURN_CERTIFICATE = "return_certificate", _("return certificate")
        DECLARATION = "declaration", _("declaration form")
        MINUTES = "minutes", _("minutes")
        MEDICAL = "medical", _("medical record")
        OTHER = "other", _("other")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    sensitivity = models.CharField(_("sensitivity"), max_length=20, choices=SensitivityClass.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]


class RegistrationToken(models.Model):
    """One sitting of the new-case wizard that registered a case. A review step submitted again —
    after a response that never arrived, a double click, a back button — finds the case it
    made instead of making a second one (QUALITY R4; decision 163)."""

    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token
