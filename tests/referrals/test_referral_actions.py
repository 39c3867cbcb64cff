import datetime

import pytest
from django.utils import timezone

from casework import actions as casework_actions
from casework.access import Capability, can, case_classes, standing
from casework.models import AuditEvent, CaseEvent, CaseGrant, Consent, Role
from referrals import actions
from referrals.actions import ReferralError
from referrals.models import REFERRAL_TRANSITIONS, Referral, ReferralEvent, ReferralPurpose, ReferralStatus
from tests.fixtures.personas import acting, make_agency, make_user
from tests.fixtures.referrals import make_minutes


def purpose(code: str) -> ReferralPurpose:
    return ReferralPurpose.objects.get(code=code)


def consent(world, agency, classes):
    return casework_actions.do_record_consent(
        world.case,
        Consent(given_by="person", classes=classes, agency=agency, purpose="placement", given_on=timezone.localdate()),
        actor=world.owner,
    )


def send(world, code, to_agency, **kwargs):
    return actions.do_send_referral(
        world.case, purpose=purpose(code), to_agency=to_agency, from_agency=world.police, actor=world.owner, **kwargs
    )


def classes_of(user, world):
    return case_classes(acting(user), world.case)


# Sending ---------------------------------------------------------------------------------


def test_sending_gives_the_receiving_agency_core_to_decide(net):
    referral = send(net, "protection_support", net.social)
    assert referral.status == ReferralStatus.SENT
    assert referral.reference == f"{net.case.reference}/R1"
    assert referral.due_at == referral.status_changed_at + datetime.timedelta(hours=4)
    assert classes_of(net.social_worker, net) == {"core"}
    assert classes_of(net.social_supervisor, net) == {"core"}
    assert ReferralEvent.objects.filter(referral=referral, new_status=ReferralStatus.SENT).count() == 1
    assert net.case.events.filter(kind=CaseEvent.Kind.REFERRAL).count() == 1


@pytest.mark.parametrize(
    ("code", "sender", "receiver"),
    [
        ("verification", "police", "social"),  # police do not send verification to themselves' kind
        ("protection_support", "police", "peace_house"),  # women's union is not a protection receiver
    ],
)
def test_kinds_the_purpose_does_not_allow_are_refused_and_audited(net, code, sender, receiver):
    to_agency = {"social": net.social, "peace_house": net.peace_house}[receiver]
    with pytest.raises(ReferralError):
        send(net, code, to_agency)
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, case=net.case).count() == 1


def test_a_placement_without_consent_is_refused(net):
    with pytest.raises(ReferralError, match="Cơ quan t-peace"):
        send(net, "shelter_placement", net.peace_house)
    assert not Referral.objects.exists()
    assert classes_of(net.peace_worker, net) == set()
    refusal = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, case=net.case)
    assert refusal.detail["action"] == "do_send_referral"


def test_a_second_open_referral_for_the_same_purpose_and_receiver_is_refused(net):
    send(net, "protection_support", net.social)
    with pytest.raises(ReferralError):
        send(net, "protection_support", net.social)
    assert Referral.objects.count() == 1


# Accepting and what it shares ---------------------------------------------------------------


def accepted(net, code, to_agency, actor):
    referral = send(net, code, to_agency)
    referral = actions.do_acknowledge_referral(referral, actor=actor)
    return actions.do_accept_referral(referral, actor=actor)


def test_a_shelter_placement_never_exposes_investigation(net):
    consent(net, net.peace_house, ["core", "identity", "health", "shelter", "investigation"])
    accepted(net, "shelter_placement", net.peace_house, net.peace_caseworker)
    assert classes_of(net.peace_worker, net) == {"core", "identity", "health", "shelter"}
    assert "investigation" not in classes_of(net.peace_caseworker, net)
    # It works on the case within the placement (notes), and never moves or closes it.
    held = standing(acting(net.peace_caseworker), net.case)
    assert held.works_on and can(held, Capability.ADD_NOTE)
    assert not can(held, Capability.MOVE_STATUS) and not can(held, Capability.CLOSE)


def test_police_verification_never_exposes_health(net):
    police_hn = net.other_police
    worker = make_user("hn.police", police_hn, Role.CASEWORKER)
    social_case_owner = net.social_worker
    case = casework_actions.do_create_case(
        person=net.case.person,
        case=type(net.case)(
            came_to_notice="self_report",
            received_at=timezone.now(),
            reception_province=net.case.reception_province,
        ),
        actor=acting(social_case_owner),
        agency=net.social,
    )
    referral = actions.do_send_referral(
        case, purpose=purpose("verification"), to_agency=police_hn, from_agency=net.social, actor=social_case_owner
    )
    actions.do_acknowledge_referral(referral, actor=worker)
    actions.do_accept_referral(referral, actor=worker)
    assert case_classes(acting(worker), case) == {"core", "identity", "investigation"}
    assert standing(acting(worker), case).works_on


def test_acceptance_shares_only_what_the_consent_covers(net):
    consent(net, net.peace_house, ["core", "shelter"])
    accepted(net, "shelter_placement", net.peace_house, net.peace_caseworker)
    assert classes_of(net.peace_worker, net) == {"core", "shelter"}


def test_accepting_twice_is_refused(net):
    consent(net, net.peace_house, ["core", "identity", "shelter"])
    referral = accepted(net, "shelter_placement", net.peace_house, net.peace_caseworker)
    with pytest.raises(ReferralError):
        actions.do_accept_referral(referral, actor=net.peace_caseworker)
    assert ReferralEvent.objects.filter(referral=referral, new_status=ReferralStatus.ACCEPTED).count() == 1


def test_handing_over_before_acceptance_is_refused(net):
    referral = send(net, "protection_support", net.social)
    with pytest.raises(ReferralError):
        actions.do_record_handover(referral, minutes=make_minutes(), actor=net.social_worker)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


# Ending a referral takes back what it shared ------------------------------------------------


def test_declining_needs_a_reason_and_revokes_the_referral_grants(net):
    referral = actions.do_acknowledge_referral(send(net, "protection_support", net.social), actor=net.social_worker)
    with pytest.raises(ReferralError):
        actions.do_decline_referral(referral, reason=" ", actor=net.social_worker)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    declined = actions.do_decline_referral(referral, reason="no capacity this week", actor=net.social_worker)
    assert declined.decline_reason == "no capacity this week"
    assert classes_of(net.social_worker, net) == set()
    assert "identity" in classes_of(net.colleague, net)  # the owning agency keeps its own


@pytest.mark.parametrize("ending", ["cancel", "complete"])
def test_cancelling_and_completing_revoke_what_the_referral_granted(net, ending):
    consent(net, net.peace_house, ["core", "identity", "health", "shelter"])
    if ending == "cancel":
        referral = send(net, "shelter_placement", net.peace_house)
        actions.do_cancel_referral(referral, reason="placed elsewhere", actor=net.owner)
    else:
        referral = accepted(net, "shelter_placement", net.peace_house, net.peace_caseworker)
        referral = actions.do_record_handover(referral, minutes=make_minutes(), actor=net.peace_caseworker)
        actions.do_complete_referral(referral, actor=net.peace_caseworker)
    assert not referral.grants().filter(revoked_at__isnull=True).exists()
    if ending == "cancel":
        assert classes_of(net.peace_worker, net) == set()
        assert classes_of(net.peace_caseworker, net) == set()
    else:
        # Decision 60: a completed receiver keeps reading what it recorded, and works on nothing.
        former = CaseGrant.objects.filter(case=net.case, source=CaseGrant.Source.FORMER, revoked_at__isnull=True)
        assert former.exists() and not former.filter(can_change=True).exists()
        held = standing(acting(net.peace_caseworker), net.case)
        assert "core" in held and "identity" not in held and not held.works_on


def test_redirecting_moves_the_referral_and_its_access(net):
    other_social = make_agency("t-social-hn", "social_protection", "HN")
    other_worker = make_user("hn.social", other_social, Role.CASEWORKER)
    referral = send(net, "protection_support", net.social)
    new = actions.do_redirect_referral(referral, to_agency=other_social, reason="home province", actor=net.owner)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CANCELLED and referral.redirected_to == new
    assert new.status == ReferralStatus.SENT and new.to_agency == other_social
    assert classes_of(net.social_worker, net) == set()
    assert classes_of(other_worker, net) == {"core"}


# The status machine, both ways ---------------------------------------------------------------

MOVES = {
    ReferralStatus.RECEIVED: lambda referral, actor: actions.do_acknowledge_referral(referral, actor=actor),
    ReferralStatus.ACCEPTED: lambda referral, actor: actions.do_accept_referral(referral, actor=actor),
    ReferralStatus.DECLINED: lambda referral, actor: actions.do_decline_referral(referral, reason="r", actor=actor),
    ReferralStatus.HANDED_OVER: lambda referral, actor: actions.do_record_handover(
        referral, minutes=make_minutes(), actor=actor
    ),
    ReferralStatus.COMPLETED: lambda referral, actor: actions.do_complete_referral(referral, actor=actor),
    ReferralStatus.CANCELLED: lambda referral, actor: actions.do_cancel_referral(referral, reason="r", actor=actor),
}


@pytest.mark.parametrize(
    ("old", "new"),
    [(old, new) for old in ReferralStatus.values if old != "draft" for new in sorted(MOVES)],
)
def test_every_referral_move_is_allowed_exactly_when_the_table_says(net, old, new):
    referral = send(net, "protection_support", net.social)
    Referral.objects.filter(pk=referral.pk).update(status=old)
    referral.refresh_from_db()
    if new in REFERRAL_TRANSITIONS[old]:
        moved = MOVES[new](referral, net.social_worker)
        assert moved.status == new
        assert ReferralEvent.objects.filter(referral=referral, old_status=old, new_status=new).count() == 1
    else:
        with pytest.raises(ReferralError):
            MOVES[new](referral, net.social_worker)
        referral.refresh_from_db()
        assert referral.status == old
        assert not ReferralEvent.objects.filter(referral=referral, new_status=new).exists()
