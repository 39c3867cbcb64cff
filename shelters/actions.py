"""Every shelter workflow (docs/data-model.md, Shelters): holds, admission, extension, discharge, services,
intake and follow-up. Each checks its rules, writes a line on the case timeline (`shelter`
class unless said otherwise) and an audit row; a refusal changes nothing, says why and leaves a
`refused` audit row.

Beds are taken by a conditional UPDATE (free, or held for this very person), so of two
admissions racing for the last bed exactly one succeeds; the partial unique index on current
stays per bed refuses the loser again at the database."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework import audit
from casework.actions import CaseworkError, audited_refusals, do_record_consent, do_transition_case
from casework.actions import record_event as case_event
from casework.lib.dates import add_months  # noqa: F401 — also used by the shelter views
from casework.models import Agency, AuditEvent, Case, CaseEvent, CaseStatus, Consent, SensitivityClass, User
from casework.models.people import Sex
from shelters import intake as intake_spec
from shelters.models import (
    SERVICE_SENSITIVITY,
    Bed,
    Facility,
    FollowUpOutcome,
    FollowUpVisit,
    Intake,
    Placement,
    ServiceKind,
    ServiceRecord,
    Stay,
    StayExtension,
)
from shelters.signals import followup_recorded

SHELTER = SensitivityClass.SHELTER
# What a walk-in's consent to stay lets the facility hold: what shelter staff may see.
WALK_IN_CLASSES = [SensitivityClass.CORE, SensitivityClass.IDENTITY, SensitivityClass.HEALTH, SHELTER]


class ShelterError(CaseworkError):
    """A refused shelter move; the message says why."""


refusals_audited = audited_refusals(ShelterError)


def latest_end(facility: Facility, admitted_on: datetime.date) -> datetime.date | None:
    """The last day of the maximum stay, or None when the facility sets no maximum."""
    if not facility.max_stay_months:
        return None
    return add_months(admitted_on, facility.max_stay_months)


# The clock of the device a time was typed on may run a little ahead of the server's.
CLOCK_SLACK = datetime.timedelta(minutes=5)


def _check_real_time(moment: datetime.datetime, case: Case, now: datetime.datetime) -> datetime.datetime:
    """When something happened, typed in perhaps hours later: never in the future, never before
    the person was received (to the minute, as it is typed)."""
    if moment > now + CLOCK_SLACK:
        raise ShelterError(_("That time is in the future."))
    if moment < case.received_at.replace(second=0, microsecond=0):
        raise ShelterError(_("That time is before the person was received."))
    return max(min(moment, now), case.received_at)


def _timeline(case: Case, text: str, *, actor: User | None, kind=CaseEvent.Kind.SHELTER, sensitivity=SHELTER, **when):
    case_event(case, kind, actor=actor, reason=text, sensitivity=sensitivity, **when)


def takes(facility: Facility, case: Case) -> bool:
    with_children = Case.objects.filter(accompanies=case).exists()
    return (
        Facility.objects.taking(sex=case.person.sex or Sex.UNKNOWN, child=case.is_child, with_children=with_children)
        .filter(pk=facility.pk)
        .exists()
    )


def _check_takes(facility: Facility, case: Case) -> None:
    if not takes(facility, case):
        raise ShelterError(
            _("%(facility)s does not take this person (sex, age or accompanying children).")
            % {"facility": facility.label}
        )


def _take_bed(bed: Bed, case: Case, now: datetime.datetime, **values) -> bool:
    """Conditional update: the bed changes only if it is free or held for this case."""
    return Bed.objects.filter(pk=bed.pk).filter(Bed.available_to_q(case, now)).update(**values) == 1


# Holds ------------------------------------------------------------------------------------


@refusals_audited
def do_hold_bed(case: Case, *, facility: Facility, reference: str, actor: User) -> Placement:
    """Record an accepted placement and hold a free bed for it for the facility's hold time.
    Called by the referrals app inside the acceptance's transaction: no bed, no acceptance."""
    with transaction.atomic():
        _check_takes(facility, case)
        now = timezone.now()
        until = now + datetime.timedelta(hours=facility.hold_hours)
        for bed in facility.beds.filter(Bed.free_q(now)).order_by("room", "label"):
            if _take_bed(bed, case, now, held_for=case, held_until=until):
                break
        else:
            raise ShelterError(
                _("%(facility)s has no free bed. Decline the placement, or free a bed first.")
                % {"facility": facility.label}
            )
        placement = Placement.objects.create(
            case=case, facility=facility, reference=reference, accepted_at=now, bed=bed, hold_until=until
        )
        _timeline(
            case,
            _("Bed %(bed)s at %(facility)s held until %(until)s.")
            % {"bed": bed, "facility": facility.label, "until": date_format(timezone.localtime(until), "d/m/Y H:i")},
            actor=actor,
        )
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            case=case,
            obj=placement,
            classes=[SHELTER],
            detail={"placement": reference, "bed": bed.pk, "until": until.isoformat()},
        )
    return placement


def do_release_expired_holds(now: datetime.datetime | None = None) -> int:
    """Release beds whose hold has run out (periodic task). Each bed is released by a
    compare-and-set on its hold, so two runs release it once. Returns how many."""
    now = now or timezone.now()
    released = 0
    expired = Bed.objects.filter(held_until__lte=now, held_for__isnull=False).select_related("facility")
    for bed in expired:
        case_id = bed.held_for_id
        if case_id is None:  # the query asks for held beds; this tells the type checker
            continue
        with transaction.atomic():
            if not Bed.objects.filter(pk=bed.pk, held_for=case_id, held_until=bed.held_until).update(
                held_for=None, held_until=None
            ):
                continue
            Placement.objects.filter(bed=bed, case_id=case_id, hold_released_at__isnull=True).update(
                hold_released_at=now
            )
            case = Case.objects.get(pk=case_id)
            _timeline(
                case,
                _("The hold on bed %(bed)s at %(facility)s expired.") % {"bed": bed, "facility": bed.facility.label},
                actor=None,
            )
            audit.record(
                AuditEvent.Action.UPDATE,
                actor=None,
                case=case,
                obj=bed,
                classes=[SHELTER],
                detail={"hold_expired": bed.pk},
            )
            released += 1
    return released


# Admission --------------------------------------------------------------------------------


def _check_planned_end(
    facility: Facility, admitted_on: datetime.date, planned_end: datetime.date | None
) -> datetime.date:
    """The planned end, given and within the facility's limit; ShelterError otherwise."""
    if planned_end is None:
        raise ShelterError(_("Give the planned end of the stay."))
    if planned_end < admitted_on:
        raise ShelterError(_("The planned end cannot be before the admission."))
    limit = latest_end(facility, admitted_on)
    if limit is not None and planned_end > limit:
        raise ShelterError(
            _(
                "%(facility)s keeps residents at most %(months)s months (until %(limit)s). "
                "A longer stay needs an extension by decision."
            )
            % {"facility": facility.label, "months": facility.max_stay_months, "limit": date_format(limit, "d/m/Y")}
        )
    return planned_end


def _admit(
    case: Case,
    facility: Facility,
    *,
    bed: Bed | None,
    planned_end: datetime.date | None,
    actor: User,
    source: str,
    placement: Placement | None = None,
    consent: Consent | None = None,
    admitted_at: datetime.datetime | None = None,
) -> Stay:
    locked = Case.objects.select_for_update(no_key=True).select_related("person").get(pk=case.pk)
    if Stay.objects.filter(case=locked, discharged_at__isnull=True).exists():
        raise ShelterError(_("This person is already staying at a facility; discharge her there first."))
    _check_takes(facility, locked)
    now = timezone.now()
    arrived = _check_real_time(admitted_at or now, locked, now)
    planned_end = _check_planned_end(facility, timezone.localdate(arrived), planned_end)
    if bed is not None:
        candidates = [bed]
    else:
        # Her held bed first; if its hold ran out and someone took it, any free bed.
        candidates = sorted(
            facility.beds.filter(Bed.available_to_q(locked, now)),
            key=lambda candidate: (candidate.held_for_id != locked.pk, candidate.room, candidate.label),
        )
    if bed is not None and bed.facility_id != facility.pk:
        raise ShelterError(_("That bed is not at this facility."))
    for candidate in candidates:
        if _take_bed(candidate, locked, now, occupied_by=locked, held_for=None, held_until=None):
            taken = candidate
            break
    else:
        if bed is not None and facility.beds.filter(Bed.free_q(now)).exists():
            raise ShelterError(_("Bed %(bed)s was just taken; choose another bed.") % {"bed": bed})
        raise ShelterError(_("%(facility)s is full: no bed is free.") % {"facility": facility.label})
    # A hold on another bed is no longer needed once she has a bed.
    Bed.objects.filter(facility=facility, held_for=locked).exclude(pk=taken.pk).update(held_for=None, held_until=None)
    try:
        with transaction.atomic():
            stay = Stay.objects.create(
                case=locked,
                facility=facility,
                bed=taken,
                source=source,
                placement=placement,
                consent=consent,
                admitted_at=arrived,
                admitted_by=actor,
                admission_recorded_at=now,
                planned_end=planned_end,
            )
    except IntegrityError as error:
        # The partial unique indexes: someone else's admission to this bed committed first.
        raise ShelterError(_("Bed %(bed)s was just taken; choose another bed.") % {"bed": taken}) from error
    Intake.objects.create(stay=stay)
    _timeline(
        locked,
        _("Admitted to %(facility)s, bed %(bed)s, until %(end)s.")
        % {"facility": facility.label, "bed": taken, "end": date_format(planned_end, "d/m/Y")},
        actor=actor,
        happened_at=arrived,
    )
    audit.record(
        AuditEvent.Action.CREATE,
        actor=actor,
        case=locked,
        obj=stay,
        classes=[SHELTER],
        detail={"stay": str(stay.public_id), "facility": facility.code, "bed": taken.pk, "source": source},
    )
    return stay


@refusals_audited
def do_admit_from_placement(
    case: Case,
    *,
    facility: Facility,
    planned_end: datetime.date | None,
    actor: User,
    bed: Bed | None = None,
    admitted_at: datetime.datetime | None = None,
) -> Stay:
    """Admit a person whose placement referral to this facility was accepted."""
    with transaction.atomic():
        # `stay__isnull` is a LEFT JOIN; PostgreSQL refuses FOR UPDATE on its nullable side.
        placement = (
            Placement.objects.select_for_update(of=("self",))
            .filter(case=case, facility=facility, stay__isnull=True)
            .order_by("-accepted_at")
            .first()
        )
        if placement is None:
            raise ShelterError(
                _("No accepted placement referral to %(facility)s: accept the referral before admitting her.")
                % {"facility": facility.label}
            )
        return _admit(
            case,
            facility,
            bed=bed,
            planned_end=planned_end,
            actor=actor,
            source=Stay.Source.PLACEMENT,
            placement=placement,
            admitted_at=admitted_at,
        )


@refusals_audited
def do_admit_walk_in(
    case: Case,
    *,
    facility: Facility,
    planned_end: datetime.date | None,
    given_by: str,
    representative_name: str = "",
    given_on: datetime.date | None,
    actor: User,
    bed: Bed | None = None,
    admitted_at: datetime.datetime | None = None,
) -> Stay:
    """Admit someone who came to the facility herself, with her own consent to stay (a
    Consent record naming the facility's agency and what shelter staff may hold)."""
    if case.owning_agency_id != facility.agency_id:
        raise ShelterError(
            _(
                "A walk-in is admitted on a case the facility registered itself; "
                "another agency's case comes by a placement referral."
            )
        )
    if given_on is None:
        raise ShelterError(_("Give the date she agreed to stay."))
    with transaction.atomic():
        try:
            consent = do_record_consent(
                case,
                Consent(
                    given_by=given_by,
                    representative_name=representative_name.strip(),
                    classes=WALK_IN_CLASSES,
                    agency=facility.agency,
                    purpose=_("stay at %(facility)s") % {"facility": facility.label},
                    given_on=given_on,
                ),
                actor=actor,
            )
        except CaseworkError as error:
            raise ShelterError(str(error)) from error
        return _admit(
            case,
            facility,
            bed=bed,
            planned_end=planned_end,
            actor=actor,
            source=Stay.Source.WALK_IN,
            consent=consent,
            admitted_at=admitted_at,
        )


def do_record_past_stay(
    case: Case,
    *,
    facility: Facility,
    admitted_on: datetime.date,
    discharged_on: datetime.date,
    actor: User,
) -> Stay:
    """Enter a stay that is over, from the facility's own record (historic import, decision
    121): its real admission and discharge days, recorded now. It occupies no bed now, opens no
    follow-up plan and moves the case nowhere; the same stay entered again is found, not
    doubled."""
    if case.owning_agency_id != facility.agency_id:
        raise ShelterError(_("A past stay is entered on a case the facility's own agency registered."))
    if discharged_on < admitted_on:
        raise ShelterError(_("The discharge cannot be before the admission."))
    today = timezone.localdate()
    if discharged_on > today:
        raise ShelterError(_("The discharge cannot be in the future."))
    if admitted_on < timezone.localdate(case.received_at):
        raise ShelterError(_("That time is before the person was received."))
    with transaction.atomic():
        # The stay names a bed (the model requires one); the bed itself is left as it is.
        bed = facility.beds.order_by("room", "label", "pk").first()
        if bed is None:
            raise ShelterError(_("%(facility)s has no bed to record the stay on.") % {"facility": facility.label})
        admitted_at = max(_start_of(admitted_on), case.received_at)
        discharged_at = max(_start_of(discharged_on), admitted_at)
        existing = Stay.objects.filter(case=case, facility=facility, admitted_at=admitted_at).first()
        if existing is not None:
            return existing
        now = timezone.now()
        stay = Stay.objects.create(
            case=case,
            facility=facility,
            bed=bed,
            source=Stay.Source.WALK_IN,
            admitted_at=admitted_at,
            admitted_by=actor,
            admission_recorded_at=now,
            planned_end=discharged_on,
            discharged_at=discharged_at,
            discharged_by=actor,
            discharge_recorded_at=now,
        )
        Intake.objects.create(stay=stay)
        _timeline(
            case,
            _("Stayed at %(facility)s from %(start)s to %(end)s (entered from its record).")
            % {
                "facility": facility.label,
                "start": date_format(admitted_on, "d/m/Y"),
                "end": date_format(discharged_on, "d/m/Y"),
            },
            actor=actor,
            happened_at=admitted_at,
        )
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            case=case,
            obj=stay,
            classes=[SHELTER],
            detail={"stay": str(stay.public_id), "facility": facility.code, "past": True},
        )
    return stay


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


# During the stay --------------------------------------------------------------------------


def _locked_stay(stay: Stay) -> Stay:
    return Stay.objects.select_for_update(no_key=True).select_related("facility", "case").get(pk=stay.pk)


@refusals_audited
def do_extend_stay(
    stay: Stay,
    *,
    new_end: datetime.date | None,
    reason: str,
    decided_by: str,
    decision_number: str = "",
    actor: User,
    decider: User | None = None,
) -> StayExtension:
    """`decider`: who decided, picked from the facility's staff; `decided_by` then is the name."""
    reason, decided_by, decision_number = reason.strip(), decided_by.strip(), decision_number.strip()
    with transaction.atomic():
        locked = _locked_stay(stay)
        if not locked.is_current:
            raise ShelterError(_("This stay has ended."))
        if new_end is None or new_end <= locked.planned_end:
            raise ShelterError(_("The new end must be later than the planned end."))
        if not reason:
            raise ShelterError(_("Give the reason for the extension."))
        if not decided_by:
            raise ShelterError(_("Say who decided the extension."))
        if (
            decider is not None
            and not decider.memberships.filter(agency=locked.facility.agency, is_active=True).exists()
        ):
            raise ShelterError(_("The person who decided must be a member of the facility's agency."))
        limit = latest_end(locked.facility, timezone.localdate(locked.admitted_at))
        if limit is not None and new_end > limit and not decision_number:
            raise ShelterError(
                _("Beyond the maximum stay of %(months)s months (%(limit)s) an extension needs the decision's number.")
                % {"months": locked.facility.max_stay_months, "limit": date_format(limit, "d/m/Y")}
            )
        extension = StayExtension.objects.create(
            stay=locked,
            previous_end=locked.planned_end,
            new_end=new_end,
            decision_number=decision_number,
            decided_by=decided_by,
            decider=decider,
            reason=reason,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        locked.planned_end = new_end
        locked.save(update_fields=["planned_end"])
        _timeline(
            locked.case,
            _("Stay extended to %(end)s: %(reason)s") % {"end": date_format(new_end, "d/m/Y"), "reason": reason},
            actor=actor,
        )
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked.case,
            obj=locked,
            classes=[SHELTER],
            detail={"extended_to": new_end.isoformat(), "decision": decision_number},
        )
    return extension


@refusals_audited
def do_record_service(
    stay: Stay,
    *,
    kind: str,
    provided_on: datetime.date | None,
    provider: str,
    actor: User,
    days: int | None = None,
    notes: str = "",
) -> ServiceRecord:
    if kind not in ServiceKind.values:
        raise ShelterError(_("Choose the service."))
    if provided_on is None:
        raise ShelterError(_("Give the date of the service."))
    if not provider.strip():
        raise ShelterError(_("Say who provided the service."))
    end = timezone.localdate(stay.discharged_at) if stay.discharged_at else timezone.localdate()
    if not timezone.localdate(stay.admitted_at) <= provided_on <= end:
        raise ShelterError(_("The service must fall within the stay, and not in the future."))
    if kind == ServiceKind.ESSENTIAL_NEEDS:
        if not days or days < 1:
            raise ShelterError(_("Give the number of days of essential needs provided."))
        if provided_on + datetime.timedelta(days=days - 1) > end:
            raise ShelterError(_("The days of essential needs run past the end of the stay or today."))
    elif days:
        raise ShelterError(_("Days are counted only for essential needs."))
    with transaction.atomic():
        record = ServiceRecord.objects.create(
            stay=stay,
            case=stay.case,
            kind=kind,
            provided_on=provided_on,
            days=days if kind == ServiceKind.ESSENTIAL_NEEDS else None,
            provider=provider.strip(),
            notes=notes.strip(),
            sensitivity=SERVICE_SENSITIVITY[ServiceKind(kind)],
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _timeline(stay.case, str(ServiceKind(kind).label), actor=actor, sensitivity=record.sensitivity)
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            case=stay.case,
            obj=record,
            classes=[record.sensitivity],
            detail={"service": kind},
        )
    return record


# Intake -----------------------------------------------------------------------------------


def do_save_intake_section(stay: Stay, key: str, answers: dict, *, actor: User) -> Intake:
    """Keep one section's answers as a draft. Answers are already cleaned by the section's
    form; nothing here is required, so a half-filled section is never lost. Identity fields
    the form left out (the saver does not hold `identity`) keep their saved answers."""
    section = intake_spec.SECTION_BY_KEY[key]
    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(stay=stay)
        saved = intake.sections.get(key) or {}
        kept = {name: saved[name] for name in section.form.identity_fields if name in saved and name not in answers}
        intake.sections[key] = {**kept, **intake_spec.to_json(answers)}
        intake.saved_at[key] = timezone.now().isoformat()
        intake.save(update_fields=["sections", "saved_at"])
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=stay.case,
            obj=intake,
            classes=[section.sensitivity],
            detail={"intake_section": key},
        )
    return intake


@refusals_audited
def do_complete_intake(stay: Stay, *, actor: User, classes: set[str] | None = None) -> Intake:
    """Complete the intake once every section needs nothing more. With `classes` (what the
    facility holds on the case), sections of other classes are not required: a facility the
    person did not allow to hold health data cannot be asked for a health screening."""
    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(stay=stay)
        if intake.completed_at is not None:
            raise ShelterError(_("The intake form is already complete."))
        missing = intake_spec.missing(intake.sections, classes)
        if missing:
            titles = ", ".join(str(intake_spec.SECTION_BY_KEY[key].title) for key in missing)
            raise ShelterError(_("Some answers are still needed in: %(sections)s.") % {"sections": titles})
        intake.completed_at = timezone.now()
        intake.completed_by = actor
        intake.save(update_fields=["completed_at", "completed_by"])
        _timeline(stay.case, _("Intake form completed."), actor=actor)
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=stay.case,
            obj=intake,
            classes=[SHELTER],
            detail={"intake": "complete"},
        )
    return intake


# Discharge and follow-up ------------------------------------------------------------------


def followup_months(facility: Facility) -> list[int]:
    """The follow-up schedule (months after discharge), within the facility's follow-up period."""
    schedule = sorted(settings.CAUNOI_FOLLOWUP_MONTHS)
    if facility.followup_months:
        schedule = [months for months in schedule if months <= facility.followup_months]
    return schedule


def _toward_reintegration(case: Case, *, facility: Facility, actor: User) -> None:
    """Discharge moves the case on: identified → support → reintegration, by the legal moves.
    A status move is `core` class, read by every agency on the case: it must not say which
    facility she stayed at (`shelter` class); the shelter timeline line says that."""
    reason = _("Discharged from %(facility)s.") % {"facility": _("shelter")}
    status = Case.objects.get(pk=case.pk).status
    if status == CaseStatus.IDENTIFIED:
        do_transition_case(case, CaseStatus.SUPPORTING, reason=reason, actor=actor)
        status = CaseStatus.SUPPORTING
    if status == CaseStatus.SUPPORTING:
        do_transition_case(case, CaseStatus.REINTEGRATING, reason=reason, actor=actor)


@refusals_audited
def do_discharge(
    stay: Stay,
    *,
    discharged_at: datetime.datetime | None,
    destination: str,
    reason: str,
    actor: User,
    destination_detail: str = "",
) -> Stay:
    reason = reason.strip()
    with transaction.atomic():
        locked = _locked_stay(stay)
        if not locked.is_current:
            raise ShelterError(_("This stay has already ended."))
        if discharged_at is None:
            raise ShelterError(_("Give the date and time of discharge."))
        if discharged_at < locked.admitted_at.replace(second=0, microsecond=0):
            raise ShelterError(_("The discharge cannot be before the admission."))
        # Times are typed to the minute: a discharge in the minute of admission is not "before".
        discharged_at = max(discharged_at, locked.admitted_at)
        if discharged_at > timezone.now() + datetime.timedelta(minutes=5):
            raise ShelterError(_("The discharge cannot be in the future."))
        if destination not in Stay.Destination.values:
            raise ShelterError(_("Choose where she goes."))
        if not reason:
            raise ShelterError(_("Give the reason for the discharge."))
        locked.discharged_at = discharged_at
        locked.discharged_by = actor
        locked.discharge_recorded_at = timezone.now()
        locked.destination = destination
        locked.destination_detail = destination_detail.strip()
        locked.discharge_reason = reason
        locked.save(
            update_fields=[
                "discharged_at",
                "discharged_by",
                "discharge_recorded_at",
                "destination",
                "destination_detail",
                "discharge_reason",
            ]
        )
        Bed.objects.filter(pk=locked.bed_id, occupied_by=locked.case_id).update(occupied_by=None)
        _timeline(
            locked.case,
            _("Discharged from %(facility)s (%(destination)s): %(reason)s")
            % {
                "facility": locked.facility.label,
                "destination": Stay.Destination(destination).label,
                "reason": reason,
            },
            actor=actor,
            happened_at=discharged_at,
        )
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked.case,
            obj=locked,
            classes=[SHELTER],
            detail={"discharged": discharged_at.isoformat(), "destination": destination},
        )
        # Moving on to another facility is not the end of protection: no follow-up plan yet.
        if destination != Stay.Destination.OTHER_FACILITY:
            discharged_on = timezone.localdate(discharged_at)
            FollowUpVisit.objects.bulk_create(
                FollowUpVisit(
                    stay=locked,
                    case=locked.case,
                    agency=locked.facility.agency,
                    months=months,
                    due_on=add_months(discharged_on, months),
                )
                for months in followup_months(locked.facility)
            )
            _toward_reintegration(locked.case, facility=locked.facility, actor=actor)
    return locked


@refusals_audited
def do_record_followup(
    visit: FollowUpVisit, *, visited_on: datetime.date | None, outcome: str, notes: str = "", actor: User
) -> FollowUpVisit:
    """Record a visit's outcome. It goes on the timeline; re-trafficking takes the case back
    to support, and the owning agency is told of outcomes that need it to act."""
    with transaction.atomic():
        locked = FollowUpVisit.objects.select_for_update().select_related("stay", "case").get(pk=visit.pk)
        if locked.outcome:
            raise ShelterError(_("This visit is already recorded."))
        if outcome not in FollowUpOutcome.values:
            raise ShelterError(_("Choose the outcome of the visit."))
        if visited_on is None:
            raise ShelterError(_("Give the date of the visit."))
        if visited_on > timezone.localdate():
            raise ShelterError(_("The visit cannot be in the future."))
        if visited_on < timezone.localdate(locked.stay.discharged_at):
            raise ShelterError(_("A follow-up visit comes after the discharge."))
        locked.visited_on = visited_on
        locked.outcome = outcome
        locked.notes = notes.strip()
        locked.recorded_by = actor
        locked.save(update_fields=["visited_on", "outcome", "notes", "recorded_by"])
        label = FollowUpOutcome(outcome).label
        _timeline(
            locked.case,
            _("Follow-up visit (%(months)s months): %(outcome)s") % {"months": locked.months, "outcome": label},
            actor=actor,
            kind=CaseEvent.Kind.FOLLOWUP,
            sensitivity=SensitivityClass.CORE,
        )
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=locked.case,
            obj=locked,
            classes=[SHELTER],
            detail={"followup": locked.months, "outcome": outcome},
        )
        if outcome == FollowUpOutcome.RETRAFFICKED:
            status = Case.objects.get(pk=locked.case_id).status
            if status == CaseStatus.REINTEGRATING:
                do_transition_case(
                    locked.case,
                    CaseStatus.SUPPORTING,
                    reason=_("Re-trafficked, found at the follow-up visit of %(date)s.")
                    % {"date": date_format(visited_on, "d/m/Y")},
                    actor=actor,
                )
        followup_recorded.send(sender=FollowUpVisit, visit_id=locked.pk)
    return locked


@transaction.atomic
def do_hand_over_followups(case: Case, agency: Agency, *, actor: User | None) -> int:
    """The person's home commune now leads her reintegration: the visits a facility planned at
    discharge and has not made become the commune's (the shelter's plan is handed over)."""
    moved = FollowUpVisit.objects.filter(case=case, outcome="").exclude(agency=agency).update(agency=agency)
    if moved:
        _timeline(
            case,
            _("Follow-up plan (%(count)s visits) handed over to %(agency)s.")
            % {"count": moved, "agency": agency.label},
            actor=actor,
            kind=CaseEvent.Kind.FOLLOWUP,
            sensitivity=SensitivityClass.CORE,
        )
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            case=case,
            classes=[SensitivityClass.CORE],
            detail={"followups_handed_over_to": agency.code, "visits": moved},
        )
    return moved
