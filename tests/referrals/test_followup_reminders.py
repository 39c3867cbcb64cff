"""Follow-up notices after discharge: the facility is reminded before a visit is due and told,
with the owning agency, once it is overdue; the owning agency hears of visits that found her
at risk, re-trafficked or out of reach. Each once, by the local calendar, without identity data."""

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from casework.models import Membership, Role, User
from messaging import notify
from messaging.models import Notification, OutboxMessage
from referrals.followups import do_remind_followups
from referrals.tasks import remind_followups
from shelters.actions import ShelterError, do_admit_from_placement, do_discharge, do_record_followup
from shelters.models import FollowUpOutcome, FollowUpVisit, Stay
from tests.fixtures.personas import acting, make_user
from tests.fixtures.shelters import new_case, place, shelter_world  # noqa: F401 - a fixture
from tests.referrals.test_notifications import eager_outbox, run_together  # noqa: F401 - a fixture

PERSON = "Lò Thị Mai"
BIRTH_YEAR = "1999"
LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
Kind = Notification.Kind
FOLLOWUP_KINDS = [Kind.FOLLOWUP_DUE, Kind.FOLLOWUP_OVERDUE, Kind.FOLLOWUP_OUTCOME]


@pytest.fixture
def plan(shelter_world):  # noqa: F811 - the imported fixture
    """A case owned by Lào Cai social protection (assigned to its caseworker, with a supervisor),
    placed with the Hà Nội Peace House and discharged home today: its follow-up plan is open."""
    w = shelter_world
    w.social_supervisor = make_user("s.social.supervisor", w.social, Role.SUPERVISOR)
    case = new_case(w.social, w.social_worker, name=PERSON)
    place(case, w)
    stay = do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )
    stay = do_discharge(
        stay,
        discharged_at=timezone.now(),
        destination=Stay.Destination.FAMILY,
        reason="Về với gia đình",
        actor=acting(w.shelter_worker),
    )
    visit = FollowUpVisit.objects.get(stay=stay, months=1)
    return SimpleNamespace(world=w, case=case, stay=stay, visit=visit)


def local(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LOCAL)


def days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


def followup_notices(**filters):
    return Notification.objects.filter(kind__in=FOLLOWUP_KINDS, **filters)


def recipients(kind) -> list[str]:
    return sorted(followup_notices(kind=kind).values_list("recipient__username", flat=True))


def texts(notification: Notification) -> list[str]:
    rendered = []
    for language in ("vi", "en"):
        with translation.override(language):
            rendered.append(notify.notification_text(notification))
    return rendered


def snapshot() -> tuple:
    return (
        list(Notification.objects.order_by("pk").values()),
        list(FollowUpVisit.objects.order_by("pk").values()),
        list(OutboxMessage.objects.order_by("pk").values("pk", "task", "args")),
    )


# Reminders before the due date ---------------------------------------------------------------


def test_nothing_is_sent_before_the_reminder_window(plan, time_machine):
    time_machine.move_to(local(plan.visit.due_on - days(8)), tick=False)
    assert do_remind_followups() == 0
    assert not followup_notices().exists()
    plan.visit.refresh_from_db()
    assert plan.visit.reminded_at is None


def test_seven_days_before_the_facility_staff_and_supervisor_are_reminded(plan, time_machine):
    w = plan.world
    time_machine.move_to(local(plan.visit.due_on - days(7)), tick=False)
    assert do_remind_followups() == 1
    assert recipients(Kind.FOLLOWUP_DUE) == ["s.peace.supervisor", "s.peace.worker"]
    for notification in followup_notices():
        assert notification.agency == w.facility.agency
        assert notification.key == f"followup-due:{plan.visit.pk}"
        assert notification.url == f"/shelters/stays/{plan.stay.public_id}/"
        assert notification.params["months"] == 1
        assert notification.params["case"] == plan.case.reference
    plan.visit.refresh_from_db()
    assert plan.visit.reminded_at == timezone.now()
    assert plan.visit.overdue_notified_at is None


def test_the_reminder_says_the_visit_case_facility_and_date_in_the_readers_language(plan, time_machine):
    time_machine.move_to(local(plan.visit.due_on - days(3)), tick=False)
    do_remind_followups()
    notification = followup_notices(recipient=plan.world.shelter_worker).get()
    vietnamese, english = texts(notification)
    due = plan.visit.due_on.strftime("%d/%m/%Y")
    with translation.override("en"):
        assert english == (
            f"The 1-month follow-up visit of case {plan.case.reference}, discharged from Peace House s-peace-hn, "
            f"is due on {due}."
        )
    assert "Nhà Bình yên s-peace-hn" in vietnamese and due in vietnamese


def test_running_the_task_twice_notifies_once(plan, time_machine):
    time_machine.move_to(local(plan.visit.due_on - days(7)), tick=False)
    assert remind_followups() == 1
    before = snapshot()
    time_machine.move_to(local(plan.visit.due_on - days(6)), tick=False)
    assert remind_followups() == 0
    assert snapshot() == before
    assert followup_notices().count() == 2


def test_only_active_members_of_the_facility_are_reminded(plan, time_machine):
    w = plan.world
    Membership.objects.filter(user=w.shelter_supervisor).update(is_active=False)
    User.objects.filter(pk=w.shelter_worker.pk).update(is_active=False)
    colleague = make_user("s.peace.colleague", w.facility.agency, Role.SHELTER_STAFF)
    make_user("s.peace.caseworker", w.facility.agency, Role.CASEWORKER)
    time_machine.move_to(local(plan.visit.due_on - days(7)), tick=False)
    do_remind_followups()
    assert recipients(Kind.FOLLOWUP_DUE) == [colleague.username]


def test_a_recorded_visit_is_neither_reminded_nor_overdue(plan, time_machine):
    do_record_followup(
        plan.visit,
        visited_on=timezone.localdate(),
        outcome=FollowUpOutcome.SAFE,
        actor=acting(plan.world.shelter_worker),
    )
    time_machine.move_to(local(plan.visit.due_on + days(2)), tick=False)
    assert do_remind_followups() == 0
    assert not followup_notices().exists()


# Overdue ----------------------------------------------------------------------------------------


def test_a_day_after_the_due_date_the_facility_the_owning_supervisors_and_caseworker_are_told(plan, time_machine):
    w = plan.world
    time_machine.move_to(local(plan.visit.due_on - days(7)), tick=False)
    do_remind_followups()
    time_machine.move_to(local(plan.visit.due_on, 23, 59), tick=False)
    assert do_remind_followups() == 0
    assert not followup_notices(kind=Kind.FOLLOWUP_OVERDUE).exists()
    # 00:30 in Hà Nội is still the due date in UTC: the local calendar decides.
    time_machine.move_to(local(plan.visit.due_on + days(1), 0, 30), tick=False)
    assert timezone.now().astimezone(datetime.UTC).date() == plan.visit.due_on
    assert do_remind_followups() == 1
    # The owning caseworker the case is assigned to must act too (docs/decisions.md 102).
    assert recipients(Kind.FOLLOWUP_OVERDUE) == [
        "s.peace.supervisor",
        "s.peace.worker",
        "s.social.supervisor",
        "s.social.worker",
    ]
    owning = followup_notices(kind=Kind.FOLLOWUP_OVERDUE, recipient=w.social_supervisor).get()
    assert owning.agency == w.social
    assert owning.url == f"/cases/{plan.case.public_id}/"
    assert owning.key == f"followup-overdue:{plan.visit.pk}"
    facility = followup_notices(kind=Kind.FOLLOWUP_OVERDUE, recipient=w.shelter_worker).get()
    assert facility.agency == w.facility.agency
    assert facility.url == f"/shelters/stays/{plan.stay.public_id}/"
    assert followup_notices(kind=Kind.FOLLOWUP_OVERDUE, recipient=w.social_worker).get().agency == w.social
    assert not followup_notices(recipient=w.other_shelter_worker).exists()
    assert not followup_notices(kind=Kind.FOLLOWUP_DUE, recipient=w.social_worker).exists()
    assert do_remind_followups() == 0
    assert followup_notices(kind=Kind.FOLLOWUP_OVERDUE).count() == 4


def test_a_visit_first_seen_overdue_gets_only_the_overdue_notice(plan, time_machine):
    time_machine.move_to(local(plan.visit.due_on + days(5)), tick=False)
    assert do_remind_followups() == 1
    assert not followup_notices(kind=Kind.FOLLOWUP_DUE).exists()
    assert followup_notices(kind=Kind.FOLLOWUP_OVERDUE).count() == 4
    plan.visit.refresh_from_db()
    assert plan.visit.reminded_at == plan.visit.overdue_notified_at == timezone.now()
    assert do_remind_followups() == 0


@pytest.mark.usefixtures("eager_outbox")
def test_reminders_and_overdue_notices_are_mailed_once_after_commit(
    plan, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    w = plan.world
    for user in (w.shelter_worker, w.shelter_supervisor, w.social_supervisor):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.test")
    mailoutbox.clear()
    time_machine.move_to(local(plan.visit.due_on + days(1)), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        do_remind_followups()
        do_remind_followups()
    assert sorted(message.to[0] for message in mailoutbox) == [
        "s.peace.supervisor@example.test",
        "s.peace.worker@example.test",
        "s.social.supervisor@example.test",
    ]
    for message in mailoutbox:
        assert plan.case.reference in message.subject and plan.case.reference in message.body
        assert PERSON not in message.subject + message.body
    assert all(notification.emailed_at for notification in followup_notices())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_at_once_notify_each_recipient_once(plan, time_machine):
    w = plan.world
    for index in range(3):
        case = new_case(w.social, w.social_worker, name=f"Người Thử {index}")
        place(case, w)
        stay = do_admit_from_placement(
            case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
        )
        do_discharge(
            stay,
            discharged_at=timezone.now(),
            destination=Stay.Destination.FAMILY,
            reason="Về với gia đình",
            actor=acting(w.shelter_worker),
        )
    late = local(plan.visit.due_on + days(1))
    sent: list[int] = []
    errors = run_together(lambda: sent.append(do_remind_followups(now=late)), count=3)
    assert errors == []
    assert sum(sent) == 4
    overdue = followup_notices(kind=Kind.FOLLOWUP_OVERDUE)
    # Four recipients (the facility's staff and supervisor, the owner's supervisor and its
    # assigned caseworker, decision 102) × four visits, each once however many beats ran.
    assert overdue.count() == 16
    assert overdue.values("recipient", "key").distinct().count() == 16
    assert OutboxMessage.objects.filter(task="messaging.tasks.send_notification_email").count() >= 16


# Outcomes ----------------------------------------------------------------------------------------


def record(plan, outcome: str) -> FollowUpVisit:
    return do_record_followup(
        plan.visit,
        visited_on=timezone.localdate(),
        outcome=outcome,
        notes=f"Gặp {PERSON} tại nhà",
        actor=acting(plan.world.shelter_worker),
    )


@pytest.mark.parametrize(
    ("outcome", "said"),
    [
        (FollowUpOutcome.AT_RISK, "at risk"),
        (FollowUpOutcome.RETRAFFICKED, "re-trafficked"),
        (FollowUpOutcome.LOST_CONTACT, "lost contact"),
    ],
)
def test_an_outcome_needing_action_tells_the_owning_supervisors_and_the_caseworker(plan, outcome, said):
    w = plan.world
    assert plan.case.assigned_to == w.social_worker
    record(plan, outcome)
    assert recipients(Kind.FOLLOWUP_OUTCOME) == ["s.social.supervisor", "s.social.worker"]
    for notification in followup_notices(kind=Kind.FOLLOWUP_OUTCOME):
        assert notification.agency == w.social
        assert notification.key == f"followup-outcome:{plan.visit.pk}"
        assert notification.url == f"/cases/{plan.case.public_id}/"
        assert notification.params["outcome"] == outcome
        with translation.override("en"):
            assert notify.notification_text(notification).endswith(f"found: {said}.")


def test_a_safe_outcome_tells_no_one(plan):
    record(plan, FollowUpOutcome.SAFE)
    assert not followup_notices().exists()


def test_a_caseworker_no_longer_in_the_owning_agency_is_not_told(plan):
    Membership.objects.filter(user=plan.world.social_worker).update(is_active=False)
    record(plan, FollowUpOutcome.AT_RISK)
    assert recipients(Kind.FOLLOWUP_OUTCOME) == ["s.social.supervisor"]


def test_a_refused_outcome_tells_no_one(plan):
    record(plan, FollowUpOutcome.AT_RISK)
    Notification.objects.filter(kind=Kind.FOLLOWUP_OUTCOME).delete()
    with translation.override("en"), pytest.raises(ShelterError, match="already recorded"):
        record(plan, FollowUpOutcome.RETRAFFICKED)
    assert not followup_notices().exists()


# No identity data ----------------------------------------------------------------------------------


def test_no_notification_names_the_person(plan, time_machine):
    time_machine.move_to(local(plan.visit.due_on - days(7)), tick=False)
    do_remind_followups()
    time_machine.move_to(local(plan.visit.due_on + days(1)), tick=False)
    do_remind_followups()
    record(plan, FollowUpOutcome.RETRAFFICKED)
    notifications = list(followup_notices())
    assert {notification.kind for notification in notifications} == set(FOLLOWUP_KINDS)
    for notification in notifications:
        for text in [*texts(notification), str(notification.params), notification.url]:
            assert PERSON not in text
            assert BIRTH_YEAR not in text
