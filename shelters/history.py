"""Entering a facility's past from its own record (decisions 121 and 266): follow-up visits made
after a stay that is over, with their real days. Nothing here is replayed: no reminder, no
notice to the owning agency, no status move; the case's status is what the record states.

`shelters.actions.do_record_past_stay` enters the stay itself."""

import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework import audit
from casework.actions import record_event
from casework.lib.dates import add_months
from casework.models import AuditEvent, CaseEvent, SensitivityClass, User
from shelters.actions import ShelterError
from shelters.models import FollowUpOutcome, FollowUpVisit, Stay

# A row of a file carries at most this many visits (a visit a month for five years is 60).
MAX_PAST_VISITS = 60


def months_after(discharged_on: datetime.date, visited_on: datetime.date) -> int:
    """Whole calendar months from the discharge to the visit (a visit 10 weeks on is at 2)."""
    months = (visited_on.year - discharged_on.year) * 12 + visited_on.month - discharged_on.month
    while months > 0 and add_months(discharged_on, months) > visited_on:
        months -= 1
    return max(months, 0)


def check_past_visit(stay_discharged_on: datetime.date, visited_on: datetime.date, outcome: str) -> None:
    """What a past visit must be: after the discharge, not in the future, with a known outcome."""
    if outcome not in FollowUpOutcome.values:
        raise ShelterError(_("Choose the outcome of the visit."))
    if visited_on > timezone.localdate():
        raise ShelterError(_("The visit cannot be in the future."))
    if visited_on < stay_discharged_on:
        raise ShelterError(_("A follow-up visit comes after the discharge."))


class PastFollowups(NamedTuple):
    """What `do_record_past_followups` did: the visits written now, and the visits found
    already entered with another outcome (day, outcome kept, outcome given), kept as they were."""

    written: list[FollowUpVisit]
    conflicts: list[tuple[datetime.date, str, str]]


def do_record_past_followups(stay: Stay, visits: list[tuple[datetime.date, str]], *, actor: User) -> PastFollowups:
    """Enter the visits (day, outcome) made after `stay`, a stay that is over, from the
    facility's record: each with its real day, by the facility's agency, marked `from_record`.
    A visit already entered for that stay and day is found, not doubled, and keeps what was
    entered first; if it was entered with another outcome, that is returned as a conflict for
    the caller to report, never overwritten silently."""
    if stay.discharged_at is None:
        raise ShelterError(_("Follow-up visits come after a discharge; this stay has not ended."))
    if len(visits) > MAX_PAST_VISITS:
        raise ShelterError(_("At most %(count)s follow-up visits at once.") % {"count": MAX_PAST_VISITS})
    discharged_on = timezone.localdate(stay.discharged_at)
    for visited_on, outcome in visits:
        check_past_visit(discharged_on, visited_on, outcome)
    written, conflicts = [], []
    with transaction.atomic():
        known = dict(FollowUpVisit.objects.filter(stay=stay, from_record=True).values_list("visited_on", "outcome"))
        for visited_on, outcome in sorted(dict(visits).items()):
            if visited_on in known:
                if known[visited_on] != outcome:
                    conflicts.append((visited_on, known[visited_on], outcome))
                continue
            visit = FollowUpVisit.objects.create(
                stay=stay,
                case_id=stay.case_id,
                agency_id=stay.facility.agency_id,
                months=months_after(discharged_on, visited_on),
                due_on=visited_on,
                visited_on=visited_on,
                outcome=outcome,
                recorded_by=actor,
                from_record=True,
            )
            written.append(visit)
            # The same words and class as a visit recorded at the time, said to be from the record.
            record_event(
                stay.case,
                CaseEvent.Kind.FOLLOWUP,
                actor=actor,
                reason=_("Follow-up visit on %(date)s: %(outcome)s (entered from the record).")
                % {"date": date_format(visited_on, "d/m/Y"), "outcome": FollowUpOutcome(outcome).label},
                sensitivity=SensitivityClass.CORE,
                happened_at=timezone.make_aware(datetime.datetime.combine(visited_on, datetime.time())),
            )
            audit.record(
                AuditEvent.Action.CREATE,
                actor=actor,
                case=stay.case,
                obj=visit,
                classes=[SensitivityClass.SHELTER],
                detail={"followup": visited_on.isoformat(), "outcome": outcome, "past": True},
            )
    return PastFollowups(written, conflicts)
