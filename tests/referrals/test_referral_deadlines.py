import datetime

import time_machine

from casework.models import Role
from referrals import actions
from referrals.models import Referral, ReferralEvent, ReferralPurpose, ReferralStatus
from referrals.tasks import flag_overdue_referrals
from tests.fixtures.personas import make_agency, make_user


def send_protection(world):
    social = make_agency("t-social", "social_protection", "LCA")
    make_user("social.worker", social, Role.CASEWORKER)
    return actions.do_send_referral(
        world.case,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=social,
        from_agency=world.police,
        actor=world.owner,
    )


def test_each_step_gets_the_purposes_deadline(world):
    referral = send_protection(world)
    purpose = referral.purpose
    assert referral.due_at == referral.status_changed_at + datetime.timedelta(hours=purpose.acknowledge_hours)
    received = actions.do_acknowledge_referral(referral, actor=world.owner)
    assert received.due_at == received.status_changed_at + datetime.timedelta(hours=purpose.decide_hours)


def test_an_overdue_step_is_flagged_once_even_when_the_task_runs_twice(world):
    referral = send_protection(world)
    with time_machine.travel(referral.due_at + datetime.timedelta(minutes=1)):
        assert flag_overdue_referrals.apply().get() == 1
        assert flag_overdue_referrals.apply().get() == 0
    referral.refresh_from_db()
    assert referral.overdue_flagged_at is not None
    assert ReferralEvent.objects.filter(referral=referral, reason="overdue").count() == 1


def test_a_step_within_its_deadline_is_not_flagged_and_moving_on_clears_the_flag(world):
    referral = send_protection(world)
    with time_machine.travel(referral.due_at - datetime.timedelta(minutes=1)):
        assert actions.do_flag_overdue_referrals() == 0
    with time_machine.travel(referral.due_at + datetime.timedelta(minutes=1)):
        actions.do_flag_overdue_referrals()
        received = actions.do_acknowledge_referral(referral, actor=world.owner)
    assert received.overdue_flagged_at is None
    assert received.status == ReferralStatus.RECEIVED


def test_closed_referrals_are_never_flagged(world):
    referral = send_protection(world)
    actions.do_cancel_referral(referral, reason="sent by mistake", actor=world.owner)
    Referral.objects.filter(pk=referral.pk).update(due_at=referral.status_changed_at)
    with time_machine.travel(referral.status_changed_at + datetime.timedelta(days=30)):
        assert actions.do_flag_overdue_referrals() == 0
