"""Who is responsible for a person at each step: the lead agency and its history, proposals of
the identification decision to a competent body, and tasks the law gives the lead.

The lead (owning) agency is `Case.owning_agency`; `CaseLead` keeps who led, from when, why and
under which article, so the handshakes of Law 53 arts. 27 and 30 leave a readable history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.agencies import Agency
from casework.models.cases import Case, Document


class CaseLead(models.Model):
    """One period during which an agency led a case. Exactly one period per case is open."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="leads")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead agency"))
    started_at = models.DateTimeField(_("lead from"))
    ended_at = models.DateTimeField(_("lead until"), null=True, blank=True)
    reason = models.CharField(_("why"), max_length=300)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    # The referral whose acceptance moved the lead, if any.
    source_ref = models.CharField(max_length=60, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("lead period")
        verbose_name_plural = _("lead periods")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(ended_at__isnull=True), name="case_one_lead")
        ]


class IdentificationGround(models.TextChoices):
    """The evidence Law 53 art. 32 accepts (docs/domain.md §3), as a checklist."""

    PROCEDURE_BODY = "procedure_body", _("documents of a procedure-conducting body")
    RESCUE_AGENCY = "rescue_agency", _("documents of the agency that rescued the person")
    MISSION = "mission", _("documents of a Vietnamese mission abroad")
    DOMESTIC_BODY = "domestic_body", _("documents of another domestic body")
    FOREIGN_AUTHORITY = "foreign_authority", _("documents of foreign authorities")
    PERSON_STATEMENT = "person_statement", _("statements of the person or relatives")
    OFFENDER_STATEMENT = "offender_statement", _("statements of the trafficker")
    WITNESSES = "witnesses", _("statements of other victims or witnesses")
    OTHER_EVIDENCE = "other_evidence", _("other lawful evidence")
    ABSENCE_MATCHES = "absence_matches", _("time absent from residence matches the account")
    RESCUED_WITH_VICTIMS = "rescued_with_victims", _("rescued together with other victims")


class IdentificationProposal(models.Model):
    """An agency that may not decide proposes the decision, with its grounds, for a competent
    body to confirm (the decision itself is `do_record_identification`)."""

    class Status(models.TextChoices):
        OPEN = "open", _("awaiting the competent body")
        CONFIRMED = "confirmed", _("confirmed by the decision")
        NOT_FOLLOWED = "not_followed", _("the decision differed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identification_proposals")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_victim = models.BooleanField(_("proposed as a victim"))
    grounds = models.JSONField(_("grounds (Law 53 art. 32)"), default=list)
    grounds_text = models.TextField(_("grounds in words"))
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("document")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("identification proposal")
        verbose_name_plural = _("identification proposals")


class CaseTask(models.Model):
    """Work the law gives the lead agency, with a deadline (e.g. a returned child's relatives
    are notified to collect the child, or an escort is arranged: Law 53 art. 30)."""

    class Kind(models.TextChoices):
        CHILD_COLLECTION = (
            "child_collection",
            _("notify the child's relatives to collect the child, or arrange an escort"),
        )

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("task"), max_length=40, choices=Kind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("what was done"), blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            # A rule creates a task once per case (routing is idempotent, QUALITY R2).
            models.UniqueConstraint(fields=["case", "kind"], name="case_task_once")
        ]
        indexes = [models.Index(fields=["due_at"], name="case_task_due", condition=models.Q(done_at__isnull=True))]

    @property
    def is_open(self) -> bool:
        return self.done_at is None
