"""Every referral workflow (docs/responsibility.md). Each move locks the referral, checks the rules,
writes a ReferralEvent, a line on the case timeline and an audit row, and grants or revokes
what the move shares. A refused move changes nothing and leaves a `refused` audit row."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit
from casework.actions import ROLE_ACCESS, CaseworkError, audited_refusals, grant_case, revoke_case
from casework.actions import record_event as case_event
from casework.models import (
    Agency,
    AuditEvent,
    Case,
    CaseEvent,
    CaseGrant,
    Consent,
    Role,
    SensitivityClass,
    User,
)
from casework.responsibility import do_record_social_reception, do_transfer_lead, grant_former
from messaging import outbox
from messaging.notify import Kind, members, supervisors
from referrals import notify
from referrals.models import (
    OPEN_STATUSES,
    REFERRAL_TRANSITIONS,
    REVOKING_STATUSES,
    HandoverMinutes,
    Referral,
    ReferralEvent,
    ReferralPurpose,
    ReferralStatus,
    RoutingDecision,
)
from shelters.actions import ShelterError, do_hand_over_followups, do_hold_bed
from shelters.models import FollowUpVisit, Stay

CORE = SensitivityClass.CORE
PLACEMENT_PURPOSE = "shelter_placement"
COMMUNE_KIND = "commune"
# What the receiving agency sees before it has accepted: enough to decide, nothing more.
DECIDING_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)


class ReferralError(CaseworkError):
    """A refused referral move; the message says why."""


refusals_audited = audited_refusals(ReferralError)


def consented_classes(case: Case, agency: Agency) -> set[str]:
    """The classes active consents allow sharing with this agency."""
    consents = case.consents.filter(Consent.concerning(agency), withdrawn_at__isnull=True)
    allowed: set[str] = set()
    for consent in consents:
        allowed |= set(consent.classes)
    return allowed


def shared_classes(referral: Referral) -> set[str]:
    """The purpose's classes, less what the person's consent does not cover; core always."""
    classes = set(referral.purpose.classes) | {CORE}
    if referral.purpose.consent_required:
        classes &= consented_classes(referral.case, referral.to_agency) | {CORE}
    return classes


def _due(hours: int | None, since: datetime.datetime) -> datetime.datetime | None:
    return since + datetime.timedelta(hours=hours) if hours else None


def _record(
    referral: Referral,
    old: str,
    new: str,
    *,
    actor: User | None,
    reason: str = "",
    happened_at: datetime.datetime | None = None,
) -> None:
    meta = audit.current_request.get()
    ReferralEvent.objects.create(
        referral=referral,
        old_status=old,
        new_status=new,
        reason=reason,
        actor=actor,
        agency_id=meta.agency_id if meta else None,
        at=timezone.now(),
    )
    label = f"{referral.reference} · {referral.purpose.name} · {ReferralStatus(new).label}"
    case_event(referral.case, CaseEvent.Kind.REFERRAL, actor=actor, reason=label, happened_at=happened_at)
    audit.record(
        AuditEvent.Action.TRANSITION,
        actor=actor,
        case=referral.case,
        obj=referral,
        detail={"referral": referral.reference, "from": old, "to": new},
    )


def _grant_receiver(referral: Referral, classes: set[str], roles, *, actor: User, accepted: bool) -> None:
    """Grants carry the purpose, which decides what the receiver may do (casework.access.can):
    before acceptance nothing but deciding; after it, its caseworkers and shelter staff work
    on the case within the purpose — they never move, close or reassign it."""
    groups = {group.role: group.group for group in referral.to_agency.role_groups.all()}
    for role in roles:
        role_classes, role_works = ROLE_ACCESS[role]
        granted = classes & set(role_classes) if role != Role.SUPERVISOR else classes
        if granted:
            grant_case(
                referral.case,
                group=groups[role],
                classes=granted,
                can_change=accepted and role_works,
                source=CaseGrant.Source.REFERRAL,
                source_ref=referral.reference,
                purpose=referral.purpose.code,
                actor=actor,
            )


# A case merged into another is read-only (decision 194): its referrals only wind down.
WINDING_DOWN = {ReferralStatus.DECLINED, ReferralStatus.CANCELLED, ReferralStatus.COMPLETED}


def _merged_case_refusal() -> str:
    """The refusal, in the language of the request that meets it."""
    return _(
        "This case was merged into another one: its referrals can only be declined, cancelled or "
        "completed; refer the case it was merged into instead."
    )


def _revoke_all(referral: Referral, *, actor: User) -> None:
    for grant in referral.grants().filter(revoked_at__isnull=True):
        revoke_case(grant, actor=actor)


def _move(
    referral: Referral,
    new: str,
    *,
    actor: User,
    reason: str = "",
    due_step: str = "",
    happened_at: datetime.datetime | None = None,
    **fields,
) -> Referral:
    """Lock, check the table, update, record. `due_step` names the purpose's hours field that
    sets the next deadline (none when empty). Callers check their own extra rules first."""
    locked = (
        Referral.objects.select_for_update(no_key=True)
        .select_related("purpose", "case", "to_agency")
        .get(pk=referral.pk)
    )
    if locked.case.merged_into_id and new not in WINDING_DOWN:
        raise ReferralError(_merged_case_refusal())
    old = locked.status
    if new not in REFERRAL_TRANSITIONS[old]:
        raise ReferralError(
            _("A referral cannot move from “%(old)s” to “%(new)s”.")
            % {"old": ReferralStatus(old).label, "new": ReferralStatus(new).label}
        )
    now = timezone.now()
    locked.status = new
    locked.status_changed_at = now
    locked.overdue_flagged_at = None
    # A new step starts its own deadline: the escalation belonged to the old one.
    locked.escalated_at = None
    locked.escalated_to = None
    locked.due_at = _due(getattr(locked.purpose, due_step), now) if due_step else None
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    _record(locked, old, new, actor=actor, reason=reason, happened_at=happened_at)
    if new in REVOKING_STATUSES:
        _revoke_all(locked, actor=actor)
    return locked


@refusals_audited
def do_send_referral(
    case: Case,
    *,
    purpose: ReferralPurpose,
    to_agency: Agency,
    from_agency: Agency,
    note: str = "",
    urgent: bool = False,
    actor: User,
) -> Referral:
    """Send a referral to an agency's inbox; the receiver gets `core` to decide."""
    with transaction.atomic():
        locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        if locked.merged_into_id:
            raise ReferralError(_merged_case_refusal())
        if not purpose.sender_kinds.filter(pk=from_agency.kind_id).exists():
            raise ReferralError(
                _("A %(kind)s agency cannot send a referral for “%(purpose)s”.")
                % {"kind": from_agency.kind.label, "purpose": purpose.label}
            )
        if not purpose.receiver_kinds.filter(pk=to_agency.kind_id).exists():
            raise ReferralError(
                _("A referral for “%(purpose)s” cannot go to a %(kind)s agency.")
                % {"kind": to_agency.kind.label, "purpose": purpose.label}
            )
        if to_agency.pk == from_agency.pk:
            raise ReferralError(_("An agency cannot refer a case to itself."))
        if purpose.consent_required and CORE not in consented_classes(locked, to_agency):
            raise ReferralError(
                _("The person has not consented to sharing with %(agency)s; record the consent first.")
                % {"agency": to_agency.label}
            )
        if Referral.objects.filter(
            case=locked, purpose=purpose, to_agency=to_agency, status__in=OPEN_STATUSES
        ).exists():
            raise ReferralError(_("This case already has an open referral for this purpose to this agency."))
        now = timezone.now()
        referral = Referral.objects.create(
            reference=f"{locked.reference}/R{locked.referrals.count() + 1}",
            case=locked,
            purpose=purpose,
            from_agency=from_agency,
            to_agency=to_agency,
            status=ReferralStatus.SENT,
            status_changed_at=now,
            note=note.strip(),
            urgent=urgent,
            due_at=_due(purpose.acknowledge_hours, now),
            sent_by=actor,
        )
        _record(referral, ReferralStatus.DRAFT, ReferralStatus.SENT, actor=actor, reason=note.strip())
        # A shelter's own staff decide on what is sent to their shelter (docs/data-model.md, Shelters).
        deciding = DECIDING_ROLES + ((Role.SHELTER_STAFF,) if hasattr(to_agency, "facility") else ())
        _grant_receiver(referral, {CORE}, deciding, actor=actor, accepted=False)
        # Those who decide on it are told: the supervisors, and a shelter's own staff.
        told = (Role.SUPERVISOR, Role.SHELTER_STAFF) if hasattr(to_agency, "facility") else (Role.SUPERVISOR,)
        notify.notify_referral(
            referral,
            users=members(to_agency, *told),
            agency=to_agency,
            kind=Kind.REFERRAL_RECEIVED,
            key=f"received:{referral.pk}",
        )
    return referral


@refusals_audited
def do_assign_referral(referral: Referral, *, worker: User, actor: User) -> Referral:
    """The receiving supervisor gives an open referral to one of the agency's caseworkers,
    who is notified (docs/responsibility.md: referrals go to the agency, the supervisor assigns)."""
    with transaction.atomic():
        locked = (
            Referral.objects.select_for_update(no_key=True)
            .select_related("case", "purpose", "from_agency", "to_agency")
            .get(pk=referral.pk)
        )
        if locked.status not in OPEN_STATUSES:
            raise ReferralError(_("Only an open referral can be assigned."))
        if (
            not worker.is_active
            or not worker.memberships.filter(
                agency_id=locked.to_agency_id, role=Role.CASEWORKER, is_active=True
            ).exists()
        ):
            raise ReferralError(_("Choose a caseworker of the receiving agency."))
        locked.assigned_to = worker
        locked.save(update_fields=["assigned_to"])
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked.case,
            obj=locked,
            detail={"referral": locked.reference, "assigned_to": worker.get_username()},
        )
        notify.notify_referral(
            locked,
            users=[worker],
            agency=locked.to_agency,
            kind=Kind.REFERRAL_ASSIGNED,
            key=f"assigned:{locked.pk}:{worker.pk}",
        )
    return locked


@refusals_audited
def do_acknowledge_referral(referral: Referral, *, actor: User) -> Referral:
    with transaction.atomic():
        return _move(referral, ReferralStatus.RECEIVED, actor=actor, due_step="decide_hours")


def takes_lead(referral: Referral) -> bool:
    """Accepting makes the receiver the lead agency (Law 53 arts. 27(2), 30; ch. V)."""
    return referral.purpose.lead_receiver_kinds.filter(pk=referral.to_agency.kind_id).exists()


@refusals_audited
def do_accept_referral(referral: Referral, *, actor: User) -> Referral:
    """Accept: the receiver gets the purpose's classes that the consent allows. For a purpose
    that moves responsibility, the receiver becomes the lead agency (a handshake: the sender
    asked, the receiver accepts)."""
    with transaction.atomic():
        accepted = _move(referral, ReferralStatus.ACCEPTED, actor=actor, due_step="handover_hours")
        facility = getattr(accepted.to_agency, "facility", None)
        if accepted.purpose.code == PLACEMENT_PURPOSE and facility is not None:
            # No free bed, or a person the facility does not take: no acceptance (docs/data-model.md, Shelters).
            try:
                do_hold_bed(accepted.case, facility=facility, reference=accepted.reference, actor=actor)
            except ShelterError as error:
                raise ReferralError(str(error)) from error
        if takes_lead(accepted):
            _take_lead(accepted, actor=actor)
        else:
            _grant_receiver(accepted, shared_classes(accepted), list(Role), actor=actor, accepted=True)
            # The receiver now holds the case: rules that follow an acceptance may apply.
            outbox.enqueue("referrals.tasks.route_case", accepted.case_id)
        # The caseworker it was given to works on it from now (and hands it over).
        assignee = accepted.assigned_to if accepted.assigned_to_id != actor.pk else None
        if assignee is not None:
            notify.notify_referral(
                accepted,
                users=[assignee],
                agency=accepted.to_agency,
                kind=Kind.REFERRAL_MOVED,
                key=notify.step_key("moved", accepted),
            )
    return accepted


def _take_lead(referral: Referral, *, actor: User) -> None:
    """The receiver leads from the acceptance; the work the former lead planned with a shelter
    (its follow-up visits) goes with the person to her commune."""
    purpose = referral.purpose
    try:
        do_transfer_lead(
            referral.case,
            referral.to_agency,
            reason=f"{referral.reference} · {purpose.name}",
            legal_basis=purpose.legal_basis,
            source_ref=referral.reference,
            classes=shared_classes(referral),
            assign=referral.assigned_to or actor,
            actor=actor,
        )
    except CaseworkError as error:
        raise ReferralError(str(error)) from error
    if referral.to_agency.kind.code == COMMUNE_KIND:
        do_hand_over_followups(referral.case, referral.to_agency, actor=actor)


@refusals_audited
def do_decline_referral(referral: Referral, *, reason: str, actor: User) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise ReferralError(_("Give the reason for declining."))
    with transaction.atomic():
        return _move(referral, ReferralStatus.DECLINED, actor=actor, reason=reason, decline_reason=reason)


# The clock of the device the minutes were typed on may run a little ahead of the server's.
HANDOVER_CLOCK_SLACK = datetime.timedelta(minutes=5)


def _check_minutes(minutes: HandoverMinutes, case: Case) -> None:
    if minutes.handed_over_at is None:
        raise ReferralError(_("Give the time of the handover."))
    if minutes.handed_over_at > timezone.now() + HANDOVER_CLOCK_SLACK:
        raise ReferralError(_("The time of the handover cannot be in the future."))
    # Typed to the minute: a handover in the minute of reception is not "before" it.
    if minutes.handed_over_at < case.received_at.replace(second=0, microsecond=0):
        raise ReferralError(_("The handover cannot be before the person was received."))
    if not minutes.place.strip():
        raise ReferralError(_("Give the place of the handover."))
    if not minutes.sender_officers.strip() or not minutes.receiver_officers.strip():
        raise ReferralError(_("Name the officers of both sides of the handover."))
    signatories = set(minutes.signed_by or ())
    if not signatories:
        raise ReferralError(_("Say who signed the handover minutes."))
    if not signatories <= set(HandoverMinutes.Signatory.values):
        raise ReferralError(_("Unknown signatory in the handover minutes."))


@refusals_audited
def do_record_handover(referral: Referral, *, minutes: HandoverMinutes, actor: User) -> Referral:
    """Record the handover minutes (biên bản bàn giao) and move to handed over, together.

    The minutes carry when the handover *happened*: often before anyone clicked "accept" or
    typed it in (the person arrives at 11:00, the office enters it at 16:50). It may not be in
    the future nor before the person was received; `recorded_at` keeps the moment of entry."""
    with transaction.atomic():
        if HandoverMinutes.objects.filter(referral_id=referral.pk).exists():
            raise ReferralError(_("The handover minutes of this referral are already recorded."))
        _check_minutes(minutes, referral.case)
        handed_over = _move(
            referral,
            ReferralStatus.HANDED_OVER,
            actor=actor,
            reason=minutes.place.strip(),
            happened_at=minutes.handed_over_at,
        )
        if takes_lead(handed_over):
            # The social agency received her at this real time: the 3 days run from it.
            do_record_social_reception(handed_over.case, handed_over.to_agency, at=minutes.handed_over_at, actor=actor)
        minutes.referral = handed_over
        minutes.recorded_by = actor
        minutes.save()
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            case=handed_over.case,
            obj=handed_over,
            detail={"referral": handed_over.reference, "handover_minutes": minutes.pk},
        )
    return handed_over


@refusals_audited
def do_complete_referral(referral: Referral, *, actor: User, reason: str = "") -> Referral:
    """Completing ends what the referral shared; the owning agency keeps its own access.
    A placement is complete only when the shelter's work is done: she has left, and the
    follow-up visits the facility is responsible for are recorded (they need its access)."""
    with transaction.atomic():
        facility = getattr(referral.to_agency, "facility", None)
        if referral.purpose.code == PLACEMENT_PURPOSE and facility is not None:
            stays = Stay.objects.filter(case_id=referral.case_id, facility=facility)
            if stays.filter(discharged_at__isnull=True).exists():
                raise ReferralError(_("She is still staying at the facility: discharge her before completing."))
            if FollowUpVisit.objects.filter(stay__in=stays, agency=facility.agency, outcome="").exists():
                raise ReferralError(_("The facility's follow-up visits are not all recorded yet."))
        completed = _move(referral, ReferralStatus.COMPLETED, actor=actor, reason=reason)
        if completed.case.owning_agency_id != completed.to_agency_id:
            # The receiver's work is done: it keeps reading what it recorded, read-only.
            grant_former(completed.case, completed.to_agency, source_ref=f"{completed.reference}:done", actor=actor)
        return completed


@refusals_audited
def do_cancel_referral(referral: Referral, *, reason: str, actor: User) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise ReferralError(_("Give the reason for cancelling."))
    with transaction.atomic():
        return _move(referral, ReferralStatus.CANCELLED, actor=actor, reason=reason)


@refusals_audited
def do_redirect_referral(referral: Referral, *, to_agency: Agency, reason: str, actor: User) -> Referral:
    """Send an unaccepted referral to another agency instead (escalation by a supervisor)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReferralError(_("Give the reason for redirecting."))
    if to_agency.pk == referral.to_agency_id:
        raise ReferralError(_("The referral already goes to this agency."))
    with transaction.atomic():
        cancelled = _move(referral, ReferralStatus.CANCELLED, actor=actor, reason=reason)
        new = do_send_referral.__wrapped__(
            cancelled.case,
            purpose=cancelled.purpose,
            to_agency=to_agency,
            from_agency=cancelled.from_agency,
            note=cancelled.note,
            actor=actor,
        )
        Referral.objects.filter(pk=cancelled.pk).update(redirected_to=new)
        if cancelled.routing_rule_id:
            _record_override(cancelled, new, reason=reason, actor=actor)
    return new


def _record_override(old: Referral, new: Referral, *, reason: str, actor: User) -> None:
    """A supervisor replaced the target a routing rule chose: the rule's decision now points
    at the new referral, and the override is an event on the case."""
    Referral.objects.filter(pk=new.pk).update(routing_rule=old.routing_rule_id)
    new.routing_rule_id = old.routing_rule_id
    RoutingDecision.objects.filter(referral=old).update(
        referral=new, overridden_by=actor, overridden_at=timezone.now(), override_reason=reason
    )
    label = _("Routed target overridden: %(old)s → %(new)s (%(reason)s)") % {
        "old": old.to_agency.label,
        "new": new.to_agency.label,
        "reason": reason,
    }
    case_event(old.case, CaseEvent.Kind.REFERRAL, actor=actor, reason=label)
    audit.record(
        AuditEvent.Action.UPDATE,
        actor=actor,
        case=old.case,
        obj=new,
        detail={"routing_override": old.reference, "to": new.reference, "rule": old.routing_rule_id},
    )


def do_flag_overdue_referrals(now: datetime.datetime | None = None) -> int:
    """Flag every open referral step past its due time, once (compare-and-set), so the
    inbox shows it first. Deadlines live in the database; a beat tick finds them."""
    now = now or timezone.now()
    flagged = 0
    due = Referral.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now, overdue_flagged_at__isnull=True)
    for referral_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral_id, status__in=OPEN_STATUSES, due_at__lte=now, overdue_flagged_at__isnull=True
            ).update(overdue_flagged_at=now)
            if claimed:
                referral = Referral.objects.select_related("case", "purpose", "from_agency", "to_agency").get(
                    pk=referral_id
                )
                ReferralEvent.objects.create(
                    referral=referral,
                    old_status=referral.status,
                    new_status=referral.status,
                    reason="overdue",
                    at=now,
                )
                audit.record(
                    AuditEvent.Action.UPDATE,
                    case=referral.case,
                    obj=referral,
                    detail={"referral": referral.reference, "overdue": referral.status},
                )
                _notify_overdue(referral)
                flagged += 1
    return flagged


def _notify_overdue(referral: Referral) -> None:
    """Both supervisors hear of an overdue step once: the key names the referral and the step,
    so a second beat process that got this far still adds nothing (QUALITY R3)."""
    key = notify.step_key("overdue", referral)
    for agency in (referral.from_agency, referral.to_agency):
        users = list(supervisors(agency))
        if agency == referral.to_agency and referral.assigned_to_id:
            # The receiving caseworker it was given to must act on it too.
            users += members(agency, Role.CASEWORKER).filter(pk=referral.assigned_to_id)
        notify.notify_referral(referral, users=users, agency=agency, kind=Kind.REFERRAL_OVERDUE, key=key)


def coordinating_agency(referral: Referral) -> Agency | None:
    """The active agency coordinating referrals in the receiver's province, else the sender's."""
    for province_id in (referral.to_agency.province_id, referral.from_agency.province_id):
        if province_id is None:
            continue
        agency = (
            Agency.objects.filter(is_active=True, coordinates_province=True, province_id=province_id)
            .order_by("pk")
            .first()
        )
        if agency is not None:
            return agency
    return None


def do_escalate_overdue_referrals(now: datetime.datetime | None = None) -> int:
    """Escalate every flagged step still open `escalate_after_hours` after its deadline to the
    provincial coordinating agency, once per step (compare-and-set on `escalated_at`)."""
    now = now or timezone.now()
    late = Q(pk__in=[])
    for purpose_id, hours in ReferralPurpose.objects.filter(escalate_after_hours__isnull=False).values_list(
        "pk", "escalate_after_hours"
    ):
        if hours is None:  # the query asks for purposes that escalate; this tells the type checker
            continue
        late |= Q(purpose_id=purpose_id, due_at__lte=now - datetime.timedelta(hours=hours))
    due = Referral.objects.filter(
        late, status__in=OPEN_STATUSES, overdue_flagged_at__isnull=False, escalated_at__isnull=True
    )
    escalated = 0
    for referral in due.select_related("case", "purpose", "from_agency", "to_agency").iterator():
        with transaction.atomic():
            escalated += _escalate(referral, now)
    return escalated


def _escalate(referral: Referral, now: datetime.datetime) -> int:
    coordinator = coordinating_agency(referral)
    # The same step, still unescalated: a move or another beat process in between wins.
    claimed = Referral.objects.filter(
        pk=referral.pk,
        status=referral.status,
        status_changed_at=referral.status_changed_at,
        escalated_at__isnull=True,
    ).update(escalated_at=now, escalated_to=coordinator)
    if not claimed:
        return 0
    referral.escalated_at, referral.escalated_to = now, coordinator
    reason = "escalated" if coordinator else "escalated: no coordinating agency is configured for the province"
    ReferralEvent.objects.create(
        referral=referral,
        old_status=referral.status,
        new_status=referral.status,
        reason=reason,
        agency=coordinator,
        at=now,
    )
    audit.record(
        AuditEvent.Action.UPDATE,
        case=referral.case,
        obj=referral,
        detail={"referral": referral.reference, "escalated_to": coordinator.code if coordinator else None},
    )
    if coordinator is not None:
        notify.notify_referral(
            referral,
            users=supervisors(coordinator),
            agency=coordinator,
            kind=Kind.REFERRAL_ESCALATED,
            key=notify.step_key("escalated", referral),
        )
    return 1
