"""The reception chain as the law runs it (issue 14): routing from every door, the lead agency
and its transfers, what an earlier holder keeps, and the home commune at reintegration."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.access import changeable_cases, standing, visible_cases
from casework.models import AuditEvent, CaseEvent, CaseGrant, CaseLead, CaseStatus, CaseTask, SensitivityClass
from casework.models.cases import CameToNotice
from referrals import routing
from referrals.actions import do_complete_referral, do_record_handover
from referrals.models import ReferralStatus, RoutingDecision
from shelters import actions as shelter_actions
from shelters.models import FollowUpVisit
from tests.fixtures.chain import accept, consent, fresh, new_person_case, referral_to, routed
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.referrals import make_minutes

pytestmark = pytest.mark.django_db


# Routing from every door (Law 53 arts. 27 and 30) --------------------------------------------


def test_a_police_self_report_in_lao_cai_notifies_the_commune_and_so_y_te_at_once(chain):
    case = new_person_case(chain.police, chain.police_worker, reception_commune=chain.commune)
    routing.route_case(case.pk)
    assert routed(case) == [("commune_reception", "c-batxat"), ("protection_support", "c-syt-lca")]
    # Both arrive in the agencies' inboxes.
    for user, purpose in ((chain.commune_worker, "commune_reception"), (chain.syt_worker, "protection_support")):
        page = sign_in(user).get(reverse("referrals:inbox")).content.decode()
        assert referral_to(case, purpose, user.memberships.get().agency).reference in page


@pytest.mark.parametrize("notice", [CameToNotice.RESCUE, CameToNotice.SELF_REPORT])
@pytest.mark.parametrize("receiver", ["border", "police"])
def test_front_line_agencies_route_self_reports_and_rescues(chain, notice, receiver):
    agency, worker = getattr(chain, receiver), getattr(chain, f"{receiver}_worker")
    case = new_person_case(agency, worker, notice=notice, reception_commune=chain.commune)
    routing.route_case(case.pk)
    assert routed(case) == [("commune_reception", "c-batxat"), ("protection_support", "c-syt-lca")]


def test_without_a_commune_of_reception_the_social_agency_is_still_notified(chain):
    case = new_person_case(chain.police, chain.police_worker, notice=CameToNotice.RESCUE)
    routing.route_case(case.pk)
    assert routed(case) == [("protection_support", "c-syt-lca")]
    decision = RoutingDecision.objects.get(case=case, rule__code="front-line-to-reception-commune")
    assert decision.outcome == RoutingDecision.Outcome.NO_TARGET  # tried again once the commune is known


def test_a_border_return_with_home_ha_noi_goes_to_so_y_te_of_lao_cai_which_then_leads(chain):
    case = new_person_case(chain.border, chain.border_worker, notice=CameToNotice.BORDER_HANDOVER, home="HN")
    routing.route_case(case.pk)
    assert routed(case) == [("repatriation_reception", "c-syt-lca")]
    accept(referral_to(case, "repatriation_reception", chain.syt), chain.syt_worker)
    case = fresh(case)
    assert case.owning_agency == chain.syt
    lead = CaseLead.objects.get(case=case, ended_at__isnull=True)
    assert lead.agency == chain.syt and "Điều 30" in lead.legal_basis
    # Sở Y tế now asks the police of its province to verify (art. 27(3)).
    assert ("verification", "c-police") in routed(case)
    assert referral_to(case, "verification", chain.police).from_agency == chain.syt


def test_a_returned_child_gives_the_lead_a_task_with_a_deadline(chain):
    case = new_person_case(
        chain.border, chain.border_worker, notice=CameToNotice.BORDER_HANDOVER, birth_year=2014, home="HN"
    )
    routing.route_case(case.pk)
    task = CaseTask.objects.get(case=case)
    assert task.kind == CaseTask.Kind.CHILD_COLLECTION and task.due_at is not None and "Điều 30" in task.legal_basis
    # Routing again creates nothing more (QUALITY R2).
    routing.route_case(case.pk)
    assert CaseTask.objects.filter(case=case).count() == 1
    # The lead records it as done; anyone else may not.
    accept(referral_to(case, "repatriation_reception", chain.syt), chain.syt_worker)
    url = reverse("casework:case-task", args=[case.public_id])
    refused = sign_in(chain.border_worker).post(url, {"task": task.pk, "outcome": "x"})
    assert refused.status_code in (403, 404)
    sign_in(chain.syt_worker).post(url, {"task": task.pk, "outcome": "Đã báo mẹ đến đón tại Sở Y tế"})
    task.refresh_from_db()
    assert task.done_at is not None and task.outcome == "Đã báo mẹ đến đón tại Sở Y tế"


def test_a_foreign_national_goes_to_the_police_for_verification(chain):
    from casework.models import Country

    case = new_person_case(chain.commune, chain.commune_worker, reception_commune=chain.commune)
    case.person.nationality = Country.objects.get(alpha2="CN")
    case.person.save()
    routing.route_case(case.pk)
    assert ("verification", "c-police") in routed(case)
    rule = RoutingDecision.objects.get(case=case, referral__purpose__code="verification").rule
    assert rule.code == "foreign-national-to-police" and "Điều 31" in rule.legal_basis
    vietnamese = new_person_case(chain.commune, chain.commune_worker)
    routing.route_case(vietnamese.pk)
    assert ("verification", "c-police") not in routed(vietnamese)


def test_a_hotline_report_goes_to_the_commune_and_the_social_agency(chain):
    hotline = chain.syt_hn  # a social agency elsewhere took the call
    from tests.fixtures.personas import make_user

    operator = make_user("hotline.operator", hotline, "caseworker")
    case = new_person_case(hotline, operator, notice=CameToNotice.HOTLINE, reception_commune=chain.commune)
    routing.route_case(case.pk)
    assert routed(case) == [("commune_reception", "c-batxat"), ("protection_support", "c-syt-lca")]


# The lead agency -----------------------------------------------------------------------------


def test_so_y_te_takes_the_lead_from_the_commune_and_keeps_it_after_completing(chain):
    case = new_person_case(chain.commune, chain.commune_worker, reception_commune=chain.commune)
    routing.route_case(case.pk)
    protection = referral_to(case, "protection_support", chain.syt)
    accept(protection, chain.syt_worker)
    assert fresh(case).owning_agency == chain.syt
    assert fresh(case).assigned_to == chain.syt_worker  # the worker who accepted takes it on
    do_record_handover(protection, minutes=make_minutes(), actor=acting(chain.syt_worker))
    do_complete_referral(protection, actor=acting(chain.syt_worker), reason="Đã tiếp nhận")
    case = fresh(case)
    assert case.owning_agency == chain.syt
    syt = standing(acting(chain.syt_worker), case)
    assert syt.is_lead and SensitivityClass.IDENTITY in syt and syt.can("close")
    assert case in visible_cases(acting(chain.syt_worker)) and case in changeable_cases(acting(chain.syt_worker))
    # The commune keeps reading what it recorded, and nothing more; it may no longer change it.
    commune = standing(acting(chain.commune_worker), case)
    assert not commune.is_lead and commune.sources == {CaseGrant.Source.FORMER}
    assert set(commune.classes) == {SensitivityClass.CORE, SensitivityClass.IDENTITY}
    assert not commune.can("add_note") and not commune.can("move_status")
    assert case not in changeable_cases(acting(chain.commune_worker))
    page = sign_in(chain.commune_worker).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert "chỉ được đọc" in page  # the why line: read-only, what it recorded
    history = list(CaseLead.objects.filter(case=case).values_list("agency__code", "ended_at"))
    assert [code for code, _end in history] == ["c-batxat", "c-syt-lca"]
    assert history[0][1] is not None and history[1][1] is None
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.LEAD).count() == 1
    assert AuditEvent.objects.filter(case=case, detail__lead="c-syt-lca").exists()


def test_a_former_lead_keeps_the_classes_it_recorded(chain):
    case = new_person_case(chain.police, chain.police_worker, reception_commune=chain.commune)
    from casework import actions

    actions.do_add_note(
        case, body="Lời khai ban đầu", sensitivity="investigation", actor=chain.police_worker, agency=chain.police
    )
    routing.route_case(case.pk)
    accept(referral_to(case, "protection_support", chain.syt), chain.syt_worker)
    police = standing(acting(chain.police_worker), fresh(case))
    assert set(police.classes) == {"core", "identity", "investigation"}
    # Read-only what it recorded; the verification Sở Y tế asks of it is still to be accepted.
    assert police.sources == {CaseGrant.Source.FORMER, CaseGrant.Source.REFERRAL}
    assert police.pending == {"verification"} and not police.purposes
    assert not police.can("add_note") and not police.can("record_identification")
    # Sở Y tế leads with what protection shares: no investigation.
    syt = standing(acting(chain.syt_worker), fresh(case))
    assert SensitivityClass.INVESTIGATION not in syt and SensitivityClass.HEALTH in syt


def test_a_lead_transfer_is_a_handshake_that_may_be_declined(chain):
    from referrals.actions import do_acknowledge_referral, do_decline_referral

    case = new_person_case(chain.commune, chain.commune_worker)
    routing.route_case(case.pk)
    protection = referral_to(case, "protection_support", chain.syt)
    do_acknowledge_referral(protection, actor=acting(chain.syt_worker))
    do_decline_referral(protection, reason="Không thuộc địa bàn", actor=acting(chain.syt_worker))
    assert fresh(case).owning_agency == chain.commune
    assert CaseLead.objects.filter(case=case).count() == 1


def test_discharge_home_hands_her_to_the_home_commune_with_the_shelters_plan(chain):
    case = new_person_case(
        chain.border, chain.border_worker, notice=CameToNotice.BORDER_HANDOVER, home_commune=chain.commune
    )
    routing.route_case(case.pk)
    accept(referral_to(case, "repatriation_reception", chain.syt), chain.syt_worker)
    from casework import actions

    syt = acting(chain.syt_worker)
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="Xác minh", actor=syt)
    actions.do_transition_case(case, CaseStatus.IDENTIFYING, reason="Xác định", actor=syt)
    actions.do_record_identification(
        fresh(case),
        is_victim=True,
        identified_on=timezone.localdate(case.received_at),
        authority="Công an tỉnh Lào Cai",
        document="1/XN",
        reason="Giấy tờ nước ngoài",
        grounds=["foreign_authority"],
        agency=chain.police,
        actor=acting(chain.police_worker),
    )
    actions.do_transition_case(case, CaseStatus.SUPPORTING, reason="Hỗ trợ", actor=syt)
    consent(case, chain.house_agency, ["core", "identity", "health", "shelter"], chain.syt_worker)
    from referrals.actions import do_send_referral
    from referrals.models import ReferralPurpose

    placement = do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=chain.house_agency,
        from_agency=chain.syt,
        actor=syt,
    )
    accept(placement, chain.house_staff)
    stay = shelter_actions.do_admit_from_placement(
        case,
        facility=chain.house,
        planned_end=shelter_actions.add_months(case.received_at.date(), 6),
        actor=chain.house_staff,
    )
    consent(case, chain.commune, ["core", "identity", "support"], chain.syt_worker, purpose="Tái hòa nhập")

    shelter_actions.do_discharge(
        stay, discharged_at=timezone.now(), destination="family", reason="Về với gia đình", actor=chain.house_staff
    )
    routing.route_case(case.pk)
    assert fresh(case).status == CaseStatus.REINTEGRATING
    reintegration = referral_to(case, "reintegration_followup", chain.commune)
    assert reintegration.from_agency == chain.syt and reintegration.status == ReferralStatus.SENT
    assert FollowUpVisit.objects.filter(case=case, agency=chain.house_agency).count() == 5
    accept(reintegration, chain.commune_worker)
    case = fresh(case)
    assert case.owning_agency == chain.commune
    # The shelter's follow-up plan is now the commune's, and the commune records a visit.
    assert FollowUpVisit.objects.filter(case=case, agency=chain.commune).count() == 5
    assert not FollowUpVisit.objects.filter(case=case, agency=chain.house_agency).exists()
    visit = FollowUpVisit.objects.filter(case=case).order_by("months").first()
    client = sign_in(chain.commune_worker)
    page = client.get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert 'data-testid="case-followups"' in page
    response = client.post(
        reverse("shelters:followup", args=[visit.pk]),
        {"visited_on": timezone.localdate().isoformat(), "outcome": "safe", "notes": "Ổn định"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.outcome == "safe" and visit.recorded_by == chain.commune_worker
    # The Peace House can complete its placement: its own visits are handed over.
    do_record_handover(placement, minutes=make_minutes(), actor=acting(chain.house_staff))
    assert do_complete_referral(placement, actor=acting(chain.house_staff)).status == ReferralStatus.COMPLETED


def test_police_or_border_guard_leading_may_hand_her_to_her_commune(chain):
    from referrals.models import ReferralPurpose

    purpose = ReferralPurpose.objects.get(code="reintegration_followup")
    assert {"police", "border_guard"} <= set(purpose.sender_kinds.values_list("code", flat=True))
    assert list(purpose.lead_receiver_kinds.values_list("code", flat=True)) == ["commune"]


def test_the_new_lead_sees_every_referral_but_links_only_those_it_may_open(chain):
    """The lead agency's case page lists the case's referrals; one between two other agencies
    (police → commune) is listed without a link, since opening it would be a 404 for the lead."""
    case = new_person_case(chain.police, chain.police_worker, reception_commune=chain.commune)
    routing.route_case(case.pk)
    own = referral_to(case, "protection_support", chain.syt)
    accept(own, chain.syt_worker)
    others = referral_to(case, "commune_reception", chain.commune)
    client = sign_in(chain.syt_worker)
    page = client.get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert reverse("referrals:detail", args=[own.public_id]) in page
    assert others.reference in page
    assert reverse("referrals:detail", args=[others.public_id]) not in page
    assert client.get(reverse("referrals:detail", args=[others.public_id])).status_code == 404
