"""Notices of the follow-up plan opened at discharge (docs/responsibility.md, §8): a reminder before a
visit is due, a notice once it is overdue, and a notice to the owning agency when a visit finds
her at risk, re-trafficked or out of reach. Each is sent once: the reminders claim their visit
by a compare-and-set on its own column, and every notification has a key per visit."""

import datetime

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from casework.models import Agency, Role, User
from messaging import notify
from shelters.models import FollowUpOutcome, FollowUpVisit

REMIND_DAYS_BEFORE = 7
NEEDS_ATTENTION = {FollowUpOutcome.AT_RISK, FollowUpOutcome.RETRAFFICKED, FollowUpOutcome.LOST_CONTACT}
Kind = notify.Kind


def followup_params(visit: FollowUpVisit) -> dict:
    """What a follow-up notification may say: the case number, the visit, its due date and the
    facility in both languages — never who she is or where she lives now."""
    return {
        "case": visit.case.reference,
        "months": visit.months,
        "due_on": visit.due_on.strftime("%d/%m/%Y"),
        "facility": notify.bilingual(visit.stay.facility),
    }


def _visits():
    return FollowUpVisit.objects.select_related("stay__facility", "case__owning_agency", "agency")


def _people(cache: dict, agency: Agency, *roles: str) -> list[User]:
    """Recipients looked up once per agency and roles in one run, not once per visit."""
    if (agency.pk, roles) not in cache:
        cache[agency.pk, roles] = list(notify.members(agency, *roles))
    return cache[agency.pk, roles]


def _with(users: list[User], more: list[User]) -> list[User]:
    return users + [user for user in more if user not in users]


def _claim(visit: FollowUpVisit, column: str, now: datetime.datetime, **also) -> bool:
    """Of two beat processes reaching the same visit, only the one whose UPDATE matched wins."""
    still_open = FollowUpVisit.objects.filter(pk=visit.pk, outcome="", **{f"{column}__isnull": True})
    return still_open.update(**{column: now}, **also) == 1


def _tell(visit: FollowUpVisit, kind: str, key: str, cache: dict, *, owners: bool) -> None:
    params = followup_params(visit)
    # The responsible agency's staff and supervisors, and the caseworker the case is assigned
    # to when she works there (a home commune the plan was handed to has no shelter staff).
    responsible = _people(cache, visit.agency, Role.SHELTER_STAFF, Role.SUPERVISOR)
    notify.notify(
        users=_with(responsible, notify.assigned_worker(visit.case, visit.agency)),
        agency=visit.agency,
        kind=kind,
        params=params,
        url=reverse("shelters:stay", args=[visit.stay.public_id]),
        key=key,
    )
    if owners:
        owning_agency = visit.case.owning_agency
        notify.notify(
            users=_with(
                _people(cache, owning_agency, Role.SUPERVISOR), notify.assigned_worker(visit.case, owning_agency)
            ),
            agency=owning_agency,
            kind=kind,
            params=params,
            url=reverse("casework:case-detail", args=[visit.case.public_id]),
            key=key,
        )


def do_remind_followups(now: datetime.datetime | None = None) -> int:
    """Remind the facility of every open visit due within `REMIND_DAYS_BEFORE` days, and tell it
    and the owning agency's supervisors of every visit past its due date, once each, by the
    local calendar. Returns how many notices were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    soon = today + datetime.timedelta(days=REMIND_DAYS_BEFORE)
    pending = (
        _visits()
        .filter(outcome="")
        .filter(Q(reminded_at__isnull=True, due_on__lte=soon) | Q(overdue_notified_at__isnull=True, due_on__lt=today))
    )
    cache: dict = {}
    sent = 0
    for visit in pending.order_by("due_on", "pk"):
        with transaction.atomic():
            if visit.due_on < today:
                # Past due, "due soon" is stale: the overdue notice replaces it, now and later.
                claimed = _claim(visit, "overdue_notified_at", now, reminded_at=Coalesce("reminded_at", Value(now)))
                if claimed:
                    _tell(visit, Kind.FOLLOWUP_OVERDUE, f"followup-overdue:{visit.pk}", cache, owners=True)
            else:
                claimed = _claim(visit, "reminded_at", now)
                if claimed:
                    _tell(visit, Kind.FOLLOWUP_DUE, f"followup-due:{visit.pk}", cache, owners=False)
        sent += claimed
    return sent


def notify_followup_outcome(visit_id: int) -> None:
    """Tell the owning agency's supervisors and the assigned caseworker of a visit that found
    her at risk, re-trafficked or out of reach; a safe outcome needs no one to act."""
    visit = _visits().filter(pk=visit_id).first()
    if visit is None or visit.outcome not in NEEDS_ATTENTION:
        return
    case = visit.case
    owning_agency = case.owning_agency
    readers = User.objects.filter(
        Q(memberships__role=Role.SUPERVISOR) | Q(pk=case.assigned_to_id),
        is_active=True,
        memberships__agency=owning_agency,
        memberships__is_active=True,
    ).distinct()
    notify.notify(
        users=readers,
        agency=owning_agency,
        kind=Kind.FOLLOWUP_OUTCOME,
        params={**followup_params(visit), "outcome": visit.outcome},
        url=reverse("casework:case-detail", args=[case.public_id]),
        key=f"followup-outcome:{visit.pk}",
    )
