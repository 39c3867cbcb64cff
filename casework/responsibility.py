"""Actions of the chain of responsibility (Law 53 ch. IV): the lead agency and its transfers,
what an earlier holder keeps, proposals of the identification decision, initial verification,
the return of a person abroad, and the tasks the law gives the lead.

Like every action (casework/actions.py) each runs in one transaction, locks the case, writes
the timeline line and the audit row, and raises CaseworkError when refused.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework import audit
from casework.actions import (
    ALL_CLASSES,
    ROLE_ACCESS,
    SOCIAL_AGENCY_KIND,
    CaseworkError,
    _assign,
    _locked,
    _move,
    do_ensure_agency_groups,
    grant_case,
    record_event,
    revoke_case,
    start_verification_clock,
)
from casework.models import (
    Agency,
    AuditEvent,
    Case,
    CaseEvent,
    CaseGrant,
    CaseLead,
    CaseStatus,
    CaseTask,
    Document,
    IdentificationGround,
    IdentificationProposal,
    Membership,
    Note,
    PersonStatus,
    Role,
    SensitivityClass,
    User,
    VerificationOutcome,
)
from casework.service_accounts import is_service_account
from casework.signals import case_changed

CORE = SensitivityClass.CORE
Source = CaseGrant.Source
# Who of a former lead keeps reading what the agency recorded (agency admins keep `core`).
FORMER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.SHELTER_STAFF, Role.AGENCY_ADMIN)


# What an earlier holder keeps ----------------------------------------------------------------


def recorded_classes(case: Case, agency: Agency) -> set[str]:
    """The classes of what `agency` recorded on the case: `core` always; `identity` if it
    registered the person; and the class of every note, document, incident and timeline line
    it wrote. A former holder keeps reading these, and nothing recorded by others later."""
    classes = {CORE}
    first = case.leads.order_by("started_at", "id").values_list("agency_id", flat=True).first()
    if first == agency.pk:
        classes.add(SensitivityClass.IDENTITY)
    classes |= set(Note.objects.filter(case=case, agency=agency).values_list("sensitivity", flat=True))
    classes |= set(Document.objects.filter(case=case, agency=agency).values_list("sensitivity", flat=True))
    classes |= set(case.events.filter(agency=agency).values_list("sensitivity", flat=True))
    if case.incident_id and case.incident.agency_id == agency.pk:
        classes.add(SensitivityClass.INVESTIGATION)
    return classes & ALL_CLASSES


def grant_former(case: Case, agency: Agency, *, source_ref: str, actor: User | None) -> None:
    """Give an agency whose responsibility ended read-only access to what it recorded
    (docs/decisions.md: what each earlier holder keeps)."""
    recorded = recorded_classes(case, agency)
    groups = do_ensure_agency_groups(agency)
    for role in FORMER_ROLES:
        role_classes, _works = ROLE_ACCESS[role]
        classes = recorded & role_classes
        if classes:
            grant_case(
                case,
                group=groups[role].group,
                classes=classes,
                source=Source.FORMER,
                source_ref=source_ref,
                actor=actor,
            )


# The lead agency ----------------------------------------------------------------------------


def _lead_grants(case: Case, agency: Agency, classes: Iterable[str], *, actor: User | None) -> None:
    shared = set(classes)
    for role, agency_group in do_ensure_agency_groups(agency).items():
        role_classes, works = ROLE_ACCESS[role]
        granted = shared & role_classes
        if granted:
            grant_case(
                case,
                group=agency_group.group,
                classes=granted,
                can_change=works,
                source=Source.OWN_AGENCY,
                source_ref=agency.code,
                actor=actor,
            )


def do_transfer_lead(
    case: Case,
    to_agency: Agency,
    *,
    reason: str,
    legal_basis: str = "",
    source_ref: str = "",
    classes: Iterable[str] = ALL_CLASSES,
    at: datetime.datetime | None = None,
    assign: User | None = None,
    actor: User | None,
) -> Case:
    """Make `to_agency` the lead agency from `at` (now by default).

    The former lead loses its own-agency grants and its caseworker's assignment, and keeps
    read-only access to what it recorded. The new lead's groups get `classes` (what the
    handshake shares) cut to each role, as a registering agency's would. Reception by the
    provincial social agency starts the 3 days of initial verification (Law 53 art. 27(3)).
    """
    at = at or timezone.now()
    with transaction.atomic():
        locked = _locked(case)
        former = locked.owning_agency
        if former.pk == to_agency.pk:
            raise CaseworkError(_("%(agency)s already leads this case.") % {"agency": to_agency.label})
        if locked.status == CaseStatus.CLOSED:
            raise CaseworkError(_("A closed case has no lead to transfer; reopen it first."))
        CaseLead.objects.filter(case=locked, ended_at__isnull=True).update(ended_at=at)
        CaseLead.objects.create(
            case=locked,
            agency=to_agency,
            started_at=at,
            reason=reason[:300],
            legal_basis=legal_basis[:300],
            source_ref=source_ref,
            started_by=actor,
        )
        # Every own-agency grant, not only those under the former lead's code: the code may have
        # changed since they were made, and an own-agency grant is what makes its holder the
        # lead (`Standing.is_lead`: merging, assigning, transferring), so none may outlive it.
        for grant in locked.grants.filter(
            Q(source=Source.OWN_AGENCY) | Q(source=Source.ASSIGNMENT),
            revoked_at__isnull=True,
        ).select_related("case", "group", "user"):
            revoke_case(grant, actor=actor)
        Case.objects.filter(pk=locked.pk).update(owning_agency=to_agency, assigned_to=None)
        locked.owning_agency, locked.assigned_to = to_agency, None
        grant_former(locked, former, source_ref=f"lead:{former.code}", actor=actor)
        _lead_grants(locked, to_agency, classes, actor=actor)
        if to_agency.kind.code == SOCIAL_AGENCY_KIND and locked.verification_started_at is None:
            start_verification_clock(locked, to_agency, at)
            locked.save(update_fields=_VERIFICATION_FIELDS)
        line = _("%(old)s → %(new)s: %(reason)s") % {"old": former.label, "new": to_agency.label, "reason": reason}
        record_event(
            locked, CaseEvent.Kind.LEAD, actor=actor, reason=f"{line} ({legal_basis})" if legal_basis else line
        )
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked,
            obj=locked,
            classes=[CORE],
            detail={"lead": to_agency.code, "former": former.code, "source_ref": source_ref, "basis": legal_basis},
        )
        if (
            assign is not None
            # A partner system accepting through the API is no one's caseworker (decision 267).
            and not is_service_account(assign)
            and Membership.objects.filter(user=assign, agency=to_agency, role=Role.CASEWORKER, is_active=True).exists()
        ):
            _assign(locked, assign, actor=actor)
        case_changed.send(sender=Case, case_id=locked.pk, cause="lead")
    return locked


_VERIFICATION_FIELDS = [
    "verification_agency",
    "verification_started_at",
    "verification_due_at",
    "verification_flagged_at",
]


def do_record_social_reception(case: Case, agency: Agency, *, at: datetime.datetime, actor: User | None) -> None:
    """The social agency's real reception time (handover minutes typed in later): the
    verification clock runs from it, not from when the acceptance was clicked."""
    with transaction.atomic():
        locked = _locked(case)
        if locked.verification_agency_id != agency.pk or locked.verification_concluded_at is not None:
            return
        start_verification_clock(locked, agency, at)
        locked.save(update_fields=_VERIFICATION_FIELDS)
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked,
            obj=locked,
            detail={"verification_started_at": at.isoformat()},
        )


# Identification by competent bodies --------------------------------------------------------


def _check_grounds(grounds: list[str], text: str) -> None:
    if set(grounds) - set(IdentificationGround.values):
        raise CaseworkError(_("Unknown ground of identification."))
    if not grounds:
        raise CaseworkError(_("Tick the evidence the proposal relies on (Law 53 art. 32)."))
    if not text.strip():
        raise CaseworkError(_("Give the grounds in words."))


def do_propose_identification(
    case: Case,
    *,
    is_victim: bool,
    grounds: Iterable[str],
    grounds_text: str,
    actor: User,
    agency: Agency,
    document: Document | None = None,
) -> IdentificationProposal:
    """An agency that may not decide proposes the decision, with its grounds, for the competent
    body (police or border guard, docs/domain.md §3) to confirm."""
    grounds = sorted(set(grounds))
    _check_grounds(grounds, grounds_text)
    with transaction.atomic():
        locked = _locked(case)
        if locked.person_status != PersonStatus.IN_IDENTIFICATION or locked.status == CaseStatus.CLOSED:
            raise CaseworkError(_("Only a person still being identified can be proposed for a decision."))
        if document is not None and document.case_id != locked.pk:
            raise CaseworkError(_("That document belongs to another case."))
        proposal = IdentificationProposal.objects.create(
            case=locked,
            agency=agency,
            proposed_by=actor,
            is_victim=is_victim,
            grounds=grounds,
            grounds_text=grounds_text.strip(),
            document=document,
        )
        outcome = _("a victim") if is_victim else _("not a victim")
        record_event(
            locked,
            CaseEvent.Kind.PROPOSAL,
            actor=actor,
            reason=_("%(agency)s proposes: %(outcome)s") % {"agency": agency.label, "outcome": outcome},
        )
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            case=locked,
            obj=proposal,
            classes=[CORE],
            detail={"is_victim": is_victim, "grounds": grounds},
        )
    return proposal


# Initial verification ------------------------------------------------------------------------


def do_record_verification(
    case: Case, *, outcome: str, concluded_at: datetime.datetime | None, note: str, actor: User
) -> Case:
    """Record the result of initial verification (Law 53 art. 27(3)–(4)); it stops the 3-day
    clock. Documents missing → the case moves to identification by the legal moves."""
    note = (note or "").strip()
    concluded_at = concluded_at or timezone.now()
    if outcome not in VerificationOutcome.values:
        raise CaseworkError(_("Choose the result of the verification."), field="outcome")
    if not note:
        raise CaseworkError(_("Say what the verification found."), field="note")
    if concluded_at > timezone.now() + datetime.timedelta(minutes=5):
        raise CaseworkError(_("The verification cannot end in the future."), field="concluded_at")
    with transaction.atomic():
        locked = _locked(case)
        if locked.verification_started_at is None:
            raise CaseworkError(_("Initial verification has not started: no social agency has received the person."))
        if locked.verification_concluded_at is not None:
            raise CaseworkError(_("The result of initial verification is already recorded."))
        if concluded_at < locked.verification_started_at.replace(second=0, microsecond=0):
            raise CaseworkError(_("The verification cannot end before it started."))
        locked.verification_outcome = outcome
        locked.verification_concluded_at = max(concluded_at, locked.verification_started_at)
        locked.save(update_fields=["verification_outcome", "verification_concluded_at"])
        record_event(
            locked,
            CaseEvent.Kind.VERIFICATION,
            actor=actor,
            reason=f"{VerificationOutcome(outcome).label}: {note}",
            happened_at=locked.verification_concluded_at,
        )
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked,
            obj=locked,
            classes=[CORE],
            detail={"verification": outcome, "late": locked.verification_concluded_at > locked.verification_due_at},
        )
        if outcome == VerificationOutcome.IDENTIFICATION_NEEDED:
            # Documents missing: on to identification (art. 27(4)), one legal move at a time.
            if locked.status == CaseStatus.REPORTED:
                locked = _move(locked, CaseStatus.VERIFYING, reason=note, actor=actor)
            if locked.status == CaseStatus.VERIFYING:
                locked = _move(locked, CaseStatus.IDENTIFYING, reason=note, actor=actor)
    return locked


# Where the person is ----------------------------------------------------------------------


def do_record_return(case: Case, *, returned_on: datetime.date | None, actor: User) -> Case:
    """A person recorded as abroad came back to Vietnam: from that day she is owed what a
    person in Vietnam is owed (Law 53 art. 37)."""
    if returned_on is None:
        raise CaseworkError(_("Give the date she returned."), field="returned_on")
    if returned_on > timezone.localdate():
        raise CaseworkError(_("The return cannot be in the future."), field="returned_on")
    with transaction.atomic():
        locked = _locked(case)
        if not locked.abroad:
            raise CaseworkError(_("The person is not recorded as abroad."))
        if returned_on < timezone.localdate(locked.received_at):
            raise CaseworkError(_("The return cannot be before the person was received."), field="returned_on")
        locked.abroad = False
        locked.returned_on = returned_on
        locked.save(update_fields=["abroad", "returned_on", "updated_at"])
        record_event(locked, CaseEvent.Kind.RETURNED, actor=actor, reason=date_format(returned_on, "d/m/Y"))
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked,
            obj=locked,
            classes=[CORE],
            detail={"returned_on": returned_on.isoformat()},
        )
    return locked


# Tasks of the lead ---------------------------------------------------------------------------


def do_create_task(
    case: Case, *, kind: str, hours: int | None, legal_basis: str, actor: User | None
) -> CaseTask | None:
    """Give the lead a task with a deadline; a second call for the same kind does nothing."""
    if CaseTask.objects.filter(case=case, kind=kind).exists():
        return None
    now = timezone.now()
    task = CaseTask.objects.create(
        case=case,
        kind=kind,
        legal_basis=legal_basis,
        due_at=now + datetime.timedelta(hours=hours) if hours else None,
    )
    record_event(case, CaseEvent.Kind.TASK, actor=actor, reason=f"{CaseTask.Kind(kind).label} ({legal_basis})")
    audit.record(AuditEvent.Action.CREATE, actor=actor, case=case, obj=task, classes=[CORE], detail={"task": kind})
    return task


def do_complete_task(task: CaseTask, *, outcome: str, actor: User) -> CaseTask:
    outcome = (outcome or "").strip()
    if not outcome:
        raise CaseworkError(_("Say what was done."))
    with transaction.atomic():
        done = CaseTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=actor, outcome=outcome
        )
        if not done:
            raise CaseworkError(_("This task is already done."))
        task.refresh_from_db()
        record_event(task.case, CaseEvent.Kind.TASK, actor=actor, reason=f"{task.get_kind_display()}: {outcome}")
        audit.record(
            AuditEvent.Action.UPDATE, actor=actor, case=task.case, obj=task, classes=[CORE], detail={"done": task.kind}
        )
    return task


# Deadlines -----------------------------------------------------------------------------------


def do_flag_overdue_verifications(now: datetime.datetime | None = None) -> int:
    """Flag once each verification still open after its 3 days (compare-and-set)."""
    now = now or timezone.now()
    flagged = 0
    late = Case.objects.filter(
        verification_due_at__lte=now,
        verification_concluded_at__isnull=True,
        verification_flagged_at__isnull=True,
        historic=False,
        merged_into__isnull=True,
    )
    for case_id in late.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            claimed = Case.objects.filter(
                pk=case_id, verification_flagged_at__isnull=True, verification_concluded_at__isnull=True
            ).update(verification_flagged_at=now)
            if claimed:
                case = Case.objects.get(pk=case_id)
                record_event(case, CaseEvent.Kind.OVERDUE, actor=None, reason=_("Initial verification (3 days)"))
                audit.record(AuditEvent.Action.UPDATE, case=case, obj=case, detail={"overdue": "verification"})
                flagged += 1
    return flagged


def do_flag_overdue_tasks(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    flagged = 0
    late = CaseTask.objects.filter(
        due_at__lte=now,
        done_at__isnull=True,
        overdue_flagged_at__isnull=True,
        case__historic=False,
        case__merged_into__isnull=True,
    )
    for task_id in late.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            if CaseTask.objects.filter(pk=task_id, overdue_flagged_at__isnull=True).update(overdue_flagged_at=now):
                task = CaseTask.objects.select_related("case").get(pk=task_id)
                record_event(task.case, CaseEvent.Kind.OVERDUE, actor=None, reason=task.get_kind_display())
                audit.record(AuditEvent.Action.UPDATE, case=task.case, obj=task, detail={"overdue": task.kind})
                flagged += 1
    return flagged
