"""The "Hôm nay" page: each kind of waiting item for the persona who must act on it and for no
one else, overdue first, every link opening its object, names only with `identity`, a flat
query count; notifications are links to their object."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone, translation

from casework.models import Case, CaseTask, Role, User
from casework.models.cases import CameToNotice
from messaging import notify
from messaging.models import Notification
from referrals import actions, routing
from referrals.models import ReferralPurpose
from shelters.actions import do_admit_from_placement, do_discharge
from shelters.models import FollowUpVisit, Stay
from tests.fixtures.chain import new_person_case
from tests.fixtures.personas import PASSWORD, acting, make_case, make_user, sign_in
from tests.fixtures.queries import page_queries
from tests.fixtures.shelters import new_case, place, shelter_world  # noqa: F401 - a fixture
from tests.support.test_claims import a_case, deciders, file  # noqa: F401 - a fixture

TODAY = "/today/"
PERSON = "Nguyễn Thị Lan"
LINK = re.compile(r'data-testid="today-item" data-kind="([a-z_]+)".*?<a href="([^"]+)" data-testid="today-link">', re.S)


def rows(client) -> list[tuple[str, str]]:
    """(kind, url) of each waiting item, in the page's order."""
    response = client.get(TODAY)
    assert response.status_code == 200
    return LINK.findall(response.content.decode())


def kinds(user) -> list[str]:
    return [kind for kind, _url in rows(sign_in(user))]


def assert_links_open(user):
    client = sign_in(user)
    found = rows(client)
    assert found
    for _kind, url in found:
        assert client.get(url).status_code == 200, url


def later(**delta) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


def send(net, case=None):
    return actions.do_send_referral(
        case or net.case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=net.social,
        from_agency=net.police,
        note="",
        actor=net.owner,
    )


# Each kind for its persona -----------------------------------------------------------------


def test_a_referral_to_decide_waits_for_the_receivers_and_no_one_else(net):
    referral = send(net)
    assert kinds(net.social_supervisor) == ["referral_decide"]
    assert kinds(net.social_worker) == ["referral_decide"]  # unassigned: any caseworker may take it
    for user in (net.owner, net.supervisor, net.outsider, net.other_supervisor, net.peace_worker):
        assert "referral_decide" not in kinds(user)
    assert_links_open(net.social_supervisor)
    # Given to one caseworker, it is hers, not her colleague's.
    second = make_user("social.second", net.social, Role.CASEWORKER)
    actions.do_assign_referral(referral, worker=second, actor=acting(net.social_supervisor))
    assert kinds(second) == ["referral_decide"]
    assert kinds(net.social_worker) == []


def test_an_accepted_referral_waits_for_its_handover(net):
    referral = send(net)
    actions.do_acknowledge_referral(referral, actor=acting(net.social_worker))
    actions.do_accept_referral(referral, actor=acting(net.social_worker))
    assert "referral_handover" in kinds(net.social_worker)
    assert "referral_handover" not in kinds(net.outsider)
    assert_links_open(net.social_worker)


def test_a_case_deadline_waits_for_the_assigned_caseworker_only(world):
    Case.objects.filter(pk=world.case.pk).update(assigned_to=world.owner, due_at=later(days=1))
    assert kinds(world.owner) == ["case_deadline"]
    for user in (world.colleague, world.supervisor, world.shelter, world.outsider, world.other_supervisor):
        assert "case_deadline" not in kinds(user)
    assert_links_open(world.owner)


def test_a_running_verification_waits_for_the_lead_and_not_for_a_shelter_or_a_stranger(world):
    Case.objects.filter(pk=world.case.pk).update(
        verification_started_at=later(days=-1), verification_due_at=later(days=2), verification_agency=world.police
    )
    for user in (world.owner, world.colleague, world.supervisor):
        assert kinds(user) == ["verification"]
    for user in (world.shelter, world.outsider, world.other_supervisor):
        assert kinds(user) == []
    assert_links_open(world.supervisor)


def test_an_open_task_waits_for_the_lead_agency(world):
    CaseTask.objects.create(case=world.case, kind=CaseTask.Kind.CHILD_COLLECTION, due_at=later(hours=-1))
    assert kinds(world.owner) == ["task"]
    assert kinds(world.supervisor) == ["task"]
    for user in (world.shelter, world.outsider, world.other_supervisor):
        assert kinds(user) == []
    assert_links_open(world.owner)
    CaseTask.objects.update(done_at=timezone.now())
    assert kinds(world.owner) == []


@pytest.fixture
def discharged(shelter_world):  # noqa: F811 - the imported fixture
    w = shelter_world
    case = new_case(w.social, w.social_worker, name=PERSON)
    place(case, w)
    stay = do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )
    stay = do_discharge(
        stay,
        discharged_at=timezone.now(),
        destination=Stay.Destination.FAMILY,
        reason="Về nhà",
        actor=acting(w.shelter_worker),
    )
    return SimpleNamespace(world=w, visit=FollowUpVisit.objects.get(stay=stay, months=1))


def test_a_follow_up_waits_for_the_facility_only_once_it_is_due_soon(discharged):
    w = discharged.world
    assert "followup" not in kinds(w.shelter_worker)  # a month away
    FollowUpVisit.objects.filter(pk=discharged.visit.pk).update(due_on=w.today - datetime.timedelta(days=1))
    assert kinds(w.shelter_worker)[0] == "followup"  # overdue, before the placement still to hand over
    assert "followup" in kinds(w.shelter_supervisor)
    for user in (w.other_shelter_worker, w.outsider, w.other_supervisor):
        assert kinds(user) == []
    assert_links_open(w.shelter_worker)
    assert_links_open(w.shelter_supervisor)
    body = sign_in(w.shelter_worker).get(TODAY).content.decode()
    assert f"/shelters/stays/{discharged.visit.stay.public_id}/#followups" in body
    assert 'data-testid="today-overdue"' in body
    yesterday = (w.today - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    assert yesterday in body and f"{yesterday} 00:00" not in body  # a day, not a time


def test_a_claim_waits_for_its_deciding_role_only(deciders):  # noqa: F811
    case = a_case(deciders)
    file(deciders, case)
    assert kinds(deciders.social_supervisor) == ["claim"]
    for user in (deciders.social_worker, deciders.owner, deciders.outsider, deciders.other_supervisor):
        assert "claim" not in kinds(user)
    assert_links_open(deciders.social_supervisor)


# Order, names, foreign agencies ---------------------------------------------------------------


def test_overdue_items_come_first_then_the_soonest_due(world):
    soon = make_case(world.police, acting(world.owner), name="Lò Thị Hoa")
    late = make_case(world.police, acting(world.owner), name="Vàng Thị Mỷ")
    Case.objects.filter(pk=world.case.pk).update(assigned_to=world.owner, due_at=later(days=5))
    Case.objects.filter(pk=soon.pk).update(assigned_to=world.owner, due_at=later(days=1))
    Case.objects.filter(pk=late.pk).update(assigned_to=world.owner, due_at=later(days=2), overdue_flagged_at=later())
    CaseTask.objects.create(case=world.case, kind=CaseTask.Kind.CHILD_COLLECTION, due_at=later(days=-3))
    body = sign_in(world.owner).get(TODAY).content.decode()
    order = [body.index(reference) for reference in (late.reference, soon.reference)]
    assert order == sorted(order)
    found = rows(sign_in(world.owner))
    assert [kind for kind, _url in found[:2]] == ["task", "case_deadline"]  # both overdue
    assert body.index(world.case.reference) < body.index(late.reference)  # the task, 3 days late
    assert body.count('data-testid="today-overdue"') == 2


def test_names_only_where_identity_is_held(net):
    Case.objects.filter(pk=net.case.pk).update(assigned_to=net.owner, due_at=later(days=1))
    send(net)
    assert PERSON in sign_in(net.owner).get(TODAY).content.decode()
    receiver = sign_in(net.social_supervisor).get(TODAY).content.decode()  # core only before acceptance
    assert net.case.reference in receiver and PERSON not in receiver


def test_each_list_of_today_asks_the_identity_question_once_per_row(world):
    """Every list of the page reads `person_name` by one identity EXISTS per row
    (casework.access.with_person_name), not a `shows_identity` annotation written twice."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.access import CLASS_PERMISSIONS, holds_class, permission_id
    from casework.models import SensitivityClass

    _load(world, 1)
    identity = f'"permission_id" = {permission_id(CLASS_PERMISSIONS[SensitivityClass.IDENTITY])}'
    once = str(Case.objects.annotate(held=holds_class(acting(world.owner), SensitivityClass.IDENTITY)).query)
    with CaptureQueriesContext(connection) as queries:
        page = sign_in(world.owner).get(TODAY).content.decode()
    named = [q["sql"] for q in queries.captured_queries if '"casework_person"."full_name"' in q["sql"]]
    assert len(named) == 6  # referrals, deadlines, verifications, tasks, follow-ups, claims
    assert all(sql.count(identity) == once.count(identity) >= 1 for sql in named)
    assert page.count('data-testid="person-name"') == 3


def test_a_foreign_agency_sees_nothing(world):
    Case.objects.filter(pk=world.case.pk).update(
        assigned_to=world.owner,
        due_at=later(days=-1),
        verification_started_at=later(days=-1),
        verification_due_at=later(),
    )
    CaseTask.objects.create(case=world.case, kind=CaseTask.Kind.CHILD_COLLECTION, due_at=later(hours=-1))
    for user in (world.outsider, world.other_supervisor):
        body = sign_in(user).get(TODAY).content.decode()
        assert 'data-testid="today-empty"' in body
        assert world.case.reference not in body and PERSON not in body


def test_today_needs_sign_in_and_bad_input_is_harmless(world):
    assert Client().get(TODAY).status_code == 302
    client = sign_in(world.owner)
    assert client.get(TODAY, {"page": "x", "kind": "<script>"}).status_code == 200
    assert client.post(TODAY).status_code == 405


# Landing and navigation -----------------------------------------------------------------------


def test_signing_in_lands_on_today_and_the_case_list_stays_at_the_root(world):
    client = Client()
    response = client.post("/sign-in/", {"username": "owner", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert response["Location"] == TODAY
    page = client.get(TODAY).content.decode()
    assert 'data-testid="nav-today"' in page and 'href="/"' in page
    assert world.case.reference in client.get("/").content.decode()


# Bounded queries ------------------------------------------------------------------------------


def _load(world, count: int):
    for number in range(count):
        case = make_case(world.police, acting(world.owner), name=f"Người {number}", birth_year=1980 + number)
        Case.objects.filter(pk=case.pk).update(
            assigned_to=world.owner,
            due_at=later(days=number - 10),
            verification_started_at=later(days=-1),
            verification_due_at=later(days=2),
        )
        CaseTask.objects.create(case=case, kind=CaseTask.Kind.CHILD_COLLECTION, due_at=later(days=number))
        notify.notify(
            users=[world.owner],
            agency=world.police,
            kind=Notification.Kind.FOLLOWUP_OUTCOME,
            params={"case": case.reference},
            url=f"/cases/{case.public_id}/",
            key=f"test:{case.pk}",
        )


def test_the_query_count_is_the_same_for_1_and_30_items(world):
    client = sign_in(world.owner)
    _load(world, 1)
    few, _response = page_queries(client, TODAY)
    assert len(rows(client)) == 3  # deadline, verification and task of the one case
    _load(world, 29)
    many, response = page_queries(client, TODAY)
    assert len(rows(client)) == 90
    assert response.content.decode().count('data-testid="notification-link"') == 30
    assert many == few


# Caseworkers and shelter staff are told what they must act on ---------------------------------


def notices(user, kind) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind))


def assert_opens_without_identity(user, notification: Notification, name: str):
    for language in ("vi", "en"):
        with translation.override(language):
            assert name not in notify.notification_text(notification)
    client = sign_in(user)
    response = client.get(f"/referrals/notifications/{notification.pk}/")
    assert response.status_code == 302 and response["Location"] == notification.url
    assert client.get(notification.url).status_code == 200


def test_a_placement_sent_to_a_shelter_tells_its_staff_who_decide(shelter_world):  # noqa: F811
    w = shelter_world
    case = new_case(w.social, w.social_worker, name=PERSON)
    actions.do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=w.facility.agency,
        from_agency=w.social,
        actor=acting(w.social_worker),
    )
    [told] = notices(w.shelter_worker, Notification.Kind.REFERRAL_RECEIVED)
    assert notices(w.shelter_supervisor, Notification.Kind.REFERRAL_RECEIVED)
    assert not Notification.objects.filter(recipient=w.other_shelter_worker).exists()
    assert_opens_without_identity(w.shelter_worker, told, PERSON)


def test_an_accepted_referral_tells_the_caseworker_it_was_given_to(net):
    referral = send(net)
    actions.do_assign_referral(referral, worker=net.social_worker, actor=acting(net.social_supervisor))
    actions.do_acknowledge_referral(referral, actor=acting(net.social_supervisor))
    actions.do_accept_referral(referral, actor=acting(net.social_supervisor))
    [told] = notices(net.social_worker, Notification.Kind.REFERRAL_MOVED)
    assert told.agency == net.social and told.params["step"] == "accepted"
    assert_opens_without_identity(net.social_worker, told, PERSON)
    assert not notices(net.social_supervisor, Notification.Kind.REFERRAL_MOVED)  # she accepted it herself


def test_an_overdue_step_tells_the_receiving_caseworker_it_was_given_to(net):
    referral = send(net)
    actions.do_assign_referral(referral, worker=net.social_worker, actor=acting(net.social_supervisor))
    actions.do_flag_overdue_referrals(now=referral.due_at + datetime.timedelta(minutes=1))
    [told] = notices(net.social_worker, Notification.Kind.REFERRAL_OVERDUE)
    assert_opens_without_identity(net.social_worker, told, PERSON)
    assert not notices(net.owner, Notification.Kind.REFERRAL_OVERDUE)


def test_a_task_the_law_gives_the_lead_tells_the_assigned_caseworker(chain, mailoutbox):
    case = new_person_case(
        chain.border, chain.border_worker, notice=CameToNotice.BORDER_HANDOVER, birth_year=2014, home="HN"
    )
    assert Case.objects.get(pk=case.pk).assigned_to == chain.border_worker
    routing.route_case(case.pk)
    routing.route_case(case.pk)  # once only
    [told] = notices(chain.border_worker, Notification.Kind.TASK_CREATED)
    assert told.url == f"/cases/{case.public_id}/#tasks"
    with translation.override("en"):
        assert case.reference in notify.notification_text(told)
        assert "notify the child's relatives" in notify.notification_text(told)
    assert_opens_without_identity(chain.border_worker, told, "Lò Thị Hoa")
    User.objects.filter(pk=chain.border_worker.pk).update(email="border@example.test")
    told.recipient.refresh_from_db()
    notify.email_notification(told)
    assert "Lò Thị Hoa" not in mailoutbox[-1].body + mailoutbox[-1].subject
    assert case.reference in mailoutbox[-1].subject
    assert Notification.objects.filter(kind=Notification.Kind.TASK_CREATED).count() == 1
    assert "task" in kinds(chain.border_worker)
