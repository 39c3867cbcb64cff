"""What waits for the signed-in user and the active agency today ("Hôm nay").

Each kind of waiting item is one bounded query through the access functions: referrals through
the agency inbox (`inbox_referrals`), everything on a case through `visible_cases`, claims
through `claims_to_decide` narrowed as `may_decide_claim` decides, notifications through
`my_notifications`. A person's name is selected only where the user holds `identity` on the
case, inside the same query (a name the user may not see never leaves the database). The page
therefore runs the same number of queries for 1 item as for 30 (QUALITY P1).
"""

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.access import active_membership, holds_class, visible_cases, with_person_name
from casework.models import CaseStatus, CaseTask, Role, SensitivityClass
from messaging.notify import my_notifications, notification_text
from referrals.access import inbox_referrals
from referrals.followups import REMIND_DAYS_BEFORE
from referrals.models import ReferralStatus
from shelters.models import Facility, FollowUpVisit
from support.queries import claims_to_decide

# Rows per kind: the page is a to-do list, not a register; the full lists are one link away.
LIMIT = 50

DECIDE, HANDOVER, DEADLINE, VERIFICATION, TASK, FOLLOWUP, CLAIM = (
    "referral_decide",
    "referral_handover",
    "case_deadline",
    "verification",
    "task",
    "followup",
    "claim",
)
KIND_LABELS = {
    DECIDE: _("Referral to acknowledge or decide"),
    HANDOVER: _("Accepted referral to hand over"),
    DEADLINE: _("Case step with a deadline"),
    VERIFICATION: _("Initial verification running"),
    TASK: _("Task of the lead agency"),
    FOLLOWUP: _("Follow-up visit due"),
    CLAIM: _("Support claim to decide"),
}
# Who works on what (docs/architecture.md, Flow A): caseworkers and supervisors on referrals, cases and tasks
# (supervisors to watch and assign), those doing a facility's or commune's work on follow-ups.
CASE_ROLES = {Role.CASEWORKER, Role.SUPERVISOR}
FOLLOWUP_ROLES = {Role.CASEWORKER, Role.SHELTER_STAFF, Role.SUPERVISOR}


@dataclass(frozen=True)
class Waiting:
    """One thing waiting, as the page shows it: never more than references and, where
    `identity` is held, the person's name."""

    kind: str
    reference: str
    name: str
    what: str
    due: datetime.datetime | None
    overdue: bool
    url: str
    # Due on a day (a follow-up visit, a claim), not at a time: shown without the hour.
    all_day: bool = False

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _seen(user, case_ref: str = "case_id") -> Q:
    """Rows whose case the user may see (one EXISTS through `visible_cases`)."""
    return Q(Exists(visible_cases(user).filter(pk=OuterRef(case_ref))))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _late(due: datetime.datetime | None, flagged, now: datetime.datetime) -> bool:
    return flagged is not None or (due is not None and due < now)


def _referrals(user, membership, now) -> list[Waiting]:
    role = membership.role
    if role == Role.SHELTER_STAFF:
        # A shelter's own staff decide what is sent to it (docs/data-model.md, Shelters); other staff do not.
        if not Facility.objects.filter(agency_id=membership.agency_id).exists():
            return []
    elif role not in CASE_ROLES:
        return []
    rows = inbox_referrals(user).filter(
        status__in=[ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED]
    )
    if role == Role.CASEWORKER:
        # The supervisor gives referrals to caseworkers: a caseworker's are hers and the unassigned.
        rows = rows.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    items = []
    for referral in rows[:LIMIT]:
        accepted = referral.status == ReferralStatus.ACCEPTED
        items.append(
            Waiting(
                kind=HANDOVER if accepted else DECIDE,
                reference=referral.reference,
                name=referral.person_name or "",
                what=f"{referral.purpose.label} · {referral.from_agency.label} · {referral.get_status_display()}",
                due=referral.due_at,
                overdue=_late(referral.due_at, referral.overdue_flagged_at, now),
                url=reverse("referrals:detail", args=[referral.public_id]),
            )
        )
    return items


def _deadlines(user, membership, now) -> list[Waiting]:
    if membership.role != Role.CASEWORKER:
        return []
    rows = with_person_name(
        visible_cases(user)
        .filter(assigned_to=user, due_at__isnull=False)
        .exclude(status=CaseStatus.CLOSED)
        .order_by("due_at", "id"),
        user,
        "pk",
    )
    return [
        Waiting(
            kind=DEADLINE,
            reference=case.reference,
            name=case.person_name or "",
            what=str(case.get_status_display()),
            due=case.due_at,
            overdue=_late(case.due_at, case.overdue_flagged_at, now),
            url=reverse("casework:case-detail", args=[case.public_id]) + "#status",
        )
        for case in rows[:LIMIT]
    ]


def _verifications(user, membership, now) -> list[Waiting]:
    if membership.role not in CASE_ROLES:
        return []
    agency_id = membership.agency_id
    rows = with_person_name(
        visible_cases(user)
        .filter(verification_started_at__isnull=False, verification_concluded_at__isnull=True)
        .filter(Q(owning_agency_id=agency_id) | Q(verification_agency_id=agency_id))
        .order_by("verification_due_at", "id"),
        user,
        "pk",
    )
    return [
        Waiting(
            kind=VERIFICATION,
            reference=case.reference,
            name=case.person_name or "",
            what=str(_("3 days from reception (Law 53 art. 27(3))")),
            due=case.verification_due_at,
            overdue=_late(case.verification_due_at, case.verification_flagged_at, now),
            url=reverse("casework:case-detail", args=[case.public_id]) + "#status",
        )
        for case in rows[:LIMIT]
    ]


def _tasks(user, membership, now) -> list[Waiting]:
    if membership.role not in CASE_ROLES:
        return []
    rows = with_person_name(
        CaseTask.objects.filter(done_at__isnull=True, case__owning_agency_id=membership.agency_id)
        .filter(_seen(user))
        .annotate(case_reference=F("case__reference"), case_public_id=F("case__public_id"))
        .order_by(F("due_at").asc(nulls_last=True), "id"),
        user,
        "case_id",
    )
    return [
        Waiting(
            kind=TASK,
            reference=task.case_reference,
            name=task.person_name or "",
            what=str(task.get_kind_display()),
            due=task.due_at,
            overdue=_late(task.due_at, task.overdue_flagged_at, now),
            url=reverse("casework:case-detail", args=[task.case_public_id]) + "#tasks",
        )
        for task in rows[:LIMIT]
    ]


def _followups(user, membership, now) -> list[Waiting]:
    if membership.role not in FOLLOWUP_ROLES:
        return []
    today = timezone.localdate(now)
    own_facility = Q(stay__facility__agency_id=membership.agency_id, stay__facility__is_active=True)
    rows = with_person_name(
        FollowUpVisit.objects.filter(
            agency_id=membership.agency_id, outcome="", due_on__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE)
        )
        .filter(_seen(user))
        .annotate(
            case_reference=F("case__reference"),
            case_public_id=F("case__public_id"),
            stay_public_id=F("stay__public_id"),
            # The stay page is for the facility's own staff holding `shelter`; others record
            # the visit from the case page.
            at_own_stay=ExpressionWrapper(own_facility, output_field=BooleanField()),
            holds_shelter=holds_class(user, SensitivityClass.SHELTER, "case_id"),
        )
        .order_by("due_on", "id"),
        user,
        "case_id",
    )
    items = []
    for visit in rows[:LIMIT]:
        if visit.at_own_stay and visit.holds_shelter:
            url = reverse("shelters:stay", args=[visit.stay_public_id])
        else:
            url = reverse("casework:case-detail", args=[visit.case_public_id])
        items.append(
            Waiting(
                kind=FOLLOWUP,
                reference=visit.case_reference,
                name=visit.person_name or "",
                what=str(_("%(months)s months after discharge") % {"months": visit.months}),
                due=_start_of(visit.due_on),
                overdue=visit.due_on < today,
                url=url + "#followups",
                all_day=True,
            )
        )
    return items


def _claims(user, membership, now) -> list[Waiting]:
    today = timezone.localdate(now)
    # As `may_decide_claim`: the deciding role of the deciding agency, acting now.
    rows = with_person_name(
        claims_to_decide(membership.agency)
        .filter(item__deciding_role=membership.role)
        .filter(_seen(user))
        .select_related(None)
        .select_related("item")
        .annotate(case_reference=F("case__reference"), case_public_id=F("case__public_id")),
        user,
        "case_id",
    )
    return [
        Waiting(
            kind=CLAIM,
            reference=claim.case_reference,
            name=claim.person_name or "",
            what=str(claim.item.label),
            due=_start_of(claim.due_on) if claim.due_on else None,
            overdue=claim.due_on is not None and claim.due_on < today,
            url=reverse("support:case-support", args=[claim.case_public_id]),
            all_day=True,
        )
        for claim in rows[:LIMIT]
    ]


SOURCES = (_referrals, _deadlines, _verifications, _tasks, _followups, _claims)


def _order(item: Waiting) -> tuple:
    """Overdue first, then the soonest due; undated last."""
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return (not item.overdue, item.due or far, item.reference)


def waiting_for(user, now: datetime.datetime | None = None) -> list[Waiting]:
    """Everything waiting for the user and the active agency, overdue first."""
    membership = active_membership(user)
    if membership is None:
        return []
    now = now or timezone.now()
    items = [item for source in SOURCES for item in source(user, membership, now)]
    return sorted(items, key=_order)


def unread_notifications(user) -> list:
    """The user's unread notifications for the active agency, newest first, with their text."""
    notifications = list(my_notifications(user).filter(read_at__isnull=True)[:LIMIT])
    for notification in notifications:
        notification.text = notification_text(notification)
    return notifications
