"""Escalation of a step still open a second deadline after its due time (docs/responsibility.md): to the
provincial coordinating agency, once, and what its supervisor may then see and do."""

import datetime

import pytest
import time_machine

from casework.models import Agency, AuditEvent, Role
from messaging.models import Notification
from referrals import actions
from referrals.models import Referral, ReferralEvent, ReferralPurpose, ReferralStatus
from referrals.tasks import flag_overdue_referrals
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in
from tests.fixtures.queries import page_queries
from tests.referrals.test_notifications import eager_outbox, run_together  # noqa: F401 - a fixture

PERSON = "Nguyễn Thị Lan"
NOTE = f"{PERSON} is waiting at the border post"
Kind = Notification.Kind


@pytest.fixture
def coord(net):
    """The net plus the agency that coordinates referrals in Lào Cai, and a second
    social-protection agency in Hà Nội to redirect to."""
    net.coordinator = make_agency("t-coord", "social_protection", "LCA")
    Agency.objects.filter(pk=net.coordinator.pk).update(coordinates_province=True)
    net.coord_supervisor = make_user("coord.supervisor", net.coordinator, Role.SUPERVISOR)
    net.coord_worker = make_user("coord.worker", net.coordinator, Role.CASEWORKER)
    net.social_hn = make_agency("t-social-hn", "social_protection", "HN")
    net.social_hn_supervisor = make_user("hn.supervisor", net.social_hn, Role.SUPERVISOR)
    return net


def send(net, case=None, to_agency=None) -> Referral:
    return actions.do_send_referral(
        case or net.case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=to_agency or net.social,
        from_agency=net.police,
        note=NOTE,
        actor=net.owner,
    )


def escalation_time(referral: Referral) -> datetime.datetime:
    return referral.due_at + datetime.timedelta(hours=referral.purpose.escalate_after_hours, minutes=1)


def escalate(referral: Referral) -> int:
    """Flag the step just after its deadline, then run the escalation after the second one."""
    actions.do_flag_overdue_referrals(now=referral.due_at + datetime.timedelta(minutes=1))
    with time_machine.travel(escalation_time(referral)):
        return actions.do_escalate_overdue_referrals()


def detail(referral: Referral) -> str:
    return f"/referrals/{referral.public_id}/"


def denied(user) -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=user).count()


# Escalating -------------------------------------------------------------------------------------


def test_a_step_open_past_the_second_deadline_goes_to_the_coordinating_agency_once(coord):
    referral = send(coord)
    assert referral.purpose.escalate_after_hours == 24
    actions.do_flag_overdue_referrals(now=referral.due_at + datetime.timedelta(minutes=1))
    with time_machine.travel(escalation_time(referral) - datetime.timedelta(minutes=2)):
        assert actions.do_escalate_overdue_referrals() == 0
    with time_machine.travel(escalation_time(referral)):
        assert actions.do_escalate_overdue_referrals() == 1
        assert actions.do_escalate_overdue_referrals() == 0
    referral.refresh_from_db()
    assert referral.escalated_to == coord.coordinator and referral.escalated_at is not None
    event = ReferralEvent.objects.get(referral=referral, reason="escalated")
    assert event.agency == coord.coordinator and event.new_status == ReferralStatus.SENT
    audit_row = AuditEvent.objects.get(detail__escalated_to="t-coord")
    assert audit_row.object_id == str(referral.public_id)
    escalated = Notification.objects.get(kind=Kind.REFERRAL_ESCALATED)
    assert escalated.recipient == coord.coord_supervisor and escalated.agency == coord.coordinator
    assert PERSON not in str(escalated.params)


def test_an_unflagged_step_is_not_escalated(coord):
    referral = send(coord)
    with time_machine.travel(escalation_time(referral)):
        assert actions.do_escalate_overdue_referrals() == 0
    referral.refresh_from_db()
    assert referral.escalated_at is None


def test_the_beat_task_flags_and_escalates_a_long_forgotten_step(coord):
    referral = send(coord)
    with time_machine.travel(escalation_time(referral)):
        assert flag_overdue_referrals.apply().get() == 1
    referral.refresh_from_db()
    assert referral.overdue_flagged_at is not None and referral.escalated_to == coord.coordinator


def test_without_a_coordinating_agency_the_escalation_is_recorded_and_nobody_more_is_told(net):
    referral = send(net)
    assert escalate(referral) == 1
    with time_machine.travel(escalation_time(referral)):
        assert actions.do_escalate_overdue_referrals() == 0
    referral.refresh_from_db()
    assert referral.escalated_at is not None and referral.escalated_to is None
    event = ReferralEvent.objects.get(referral=referral, reason__startswith="escalated")
    assert "no coordinating agency" in event.reason
    assert not Notification.objects.filter(kind=Kind.REFERRAL_ESCALATED).exists()


def test_the_senders_province_coordinates_when_the_receivers_has_none(coord):
    referral = send(coord, to_agency=coord.social_hn)  # Hà Nội has no coordinating agency
    escalate(referral)
    referral.refresh_from_db()
    assert referral.escalated_to == coord.coordinator


def test_an_inactive_coordinating_agency_is_passed_over(coord):
    Agency.objects.filter(pk=coord.coordinator.pk).update(is_active=False)
    referral = send(coord)
    escalate(referral)
    referral.refresh_from_db()
    assert referral.escalated_at is not None and referral.escalated_to is None


def test_moving_to_the_next_step_ends_the_escalation_and_the_coordinators_access(coord):
    referral = send(coord)
    escalate(referral)
    assert sign_in(coord.coord_supervisor).get(detail(referral)).status_code == 200
    received = actions.do_acknowledge_referral(referral, actor=coord.social_worker)
    assert received.escalated_at is None and received.escalated_to is None
    assert sign_in(coord.coord_supervisor).get(detail(referral)).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_outbox")
def test_two_beat_processes_escalate_and_notify_once(coord):
    referral = send(coord)
    actions.do_flag_overdue_referrals(now=referral.due_at + datetime.timedelta(minutes=1))
    escalated: list[int] = []
    with time_machine.travel(escalation_time(referral)):
        errors = run_together(lambda: escalated.append(actions.do_escalate_overdue_referrals()), count=3)
    assert errors == []
    assert sum(escalated) == 1
    assert ReferralEvent.objects.filter(referral=referral, reason="escalated").count() == 1
    assert Notification.objects.filter(kind=Kind.REFERRAL_ESCALATED).count() == 1


# The coordinating supervisor ----------------------------------------------------------------------


def test_the_coordinator_sees_references_only(coord):
    referral = send(coord)
    escalate(referral)
    response = sign_in(coord.coord_supervisor).get(detail(referral))
    html = response.content.decode()
    assert response.status_code == 200
    assert referral.reference in html and "Cơ quan t-police" in html and "Cơ quan t-social" in html
    assert PERSON not in html and NOTE not in html
    assert f"/cases/{referral.case.public_id}" not in html
    view = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, actor=coord.coord_supervisor)
    assert view.classes == ["core"]


def test_the_redirect_choices_are_agencies_the_purpose_may_go_to(coord):
    referral = send(coord)
    escalate(referral)
    html = sign_in(coord.coord_supervisor).get(detail(referral)).content.decode()
    assert f'value="{coord.social_hn.pk}"' in html
    for agency in (coord.union, coord.other_police, coord.social, coord.police):
        assert f'value="{agency.pk}"' not in html


def test_the_coordinator_redirects_an_escalated_referral(coord):
    referral = send(coord)
    escalate(referral)
    url = f"/referrals/{referral.public_id}/redirect/"
    response = sign_in(coord.coord_supervisor).post(url, {"to_agency": coord.social_hn.pk, "reason": "stuck"})
    assert response.status_code == 302 and response["Location"] == "/referrals/"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CANCELLED and referral.escalated_to is None
    new = referral.redirected_to
    assert new.to_agency == coord.social_hn and new.from_agency == coord.police and new.status == ReferralStatus.SENT
    assert Notification.objects.get(recipient=coord.social_hn_supervisor).key == f"received:{new.pk}"


def test_a_redirect_to_an_agency_the_purpose_may_not_go_to_is_refused(coord):
    referral = send(coord)
    escalate(referral)
    url = f"/referrals/{referral.public_id}/redirect/"
    sign_in(coord.coord_supervisor).post(url, {"to_agency": coord.union.pk, "reason": "stuck"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_nobody_else_sees_or_redirects_an_escalated_referral(coord):
    referral = send(coord)
    escalate(referral)
    url = f"/referrals/{referral.public_id}/redirect/"
    data = {"to_agency": coord.social_hn.pk, "reason": "stuck"}
    # A caseworker of the coordinating agency, an unrelated agency, another province's supervisor.
    for user in (coord.coord_worker, coord.outsider, coord.other_supervisor):
        client = sign_in(user)
        before = denied(user)
        assert client.get(detail(referral)).status_code == 404
        assert client.post(url, data).status_code == 404
        assert denied(user) == before + 2
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_the_coordinator_sees_nothing_before_the_escalation(coord):
    referral = send(coord)
    client = sign_in(coord.coord_supervisor)
    assert client.get(detail(referral)).status_code == 404
    assert client.post(f"/referrals/{referral.public_id}/redirect/", {"reason": "x"}).status_code == 404
    assert denied(coord.coord_supervisor) == 2


# The inbox section -------------------------------------------------------------------------------


def count_inbox_queries(client) -> tuple[int, str]:
    count, response = page_queries(client, "/referrals/")
    return count, response.content.decode()


def test_escalated_referrals_show_in_the_coordinators_inbox_with_a_flat_query_count(coord):
    client = sign_in(coord.coord_supervisor)
    first = send(coord)
    escalate(first)
    few, html = count_inbox_queries(client)
    section = html[html.index('id="escalated"') :]
    assert first.reference in section and PERSON not in html
    for index in range(9):
        escalate(send(coord, case=make_case(coord.police, acting(coord.owner), name=f"Người Thử {index}")))
    many, html = count_inbox_queries(client)
    assert html[html.index('id="escalated"') :].count('href="/referrals/') >= 10
    assert few == many <= 12


def test_the_escalated_section_is_only_the_coordinators(coord):
    escalate(send(coord))
    for user in (coord.coord_worker, coord.social_supervisor, coord.supervisor):
        assert 'id="escalated"' not in sign_in(user).get("/referrals/").content.decode()
