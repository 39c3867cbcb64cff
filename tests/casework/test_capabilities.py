"""Action-level authority in one place (issue 14): every capability × role × relation to the
case × agency kind, as a table written out by hand, and the same rules over HTTP."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import actions
from casework.access import NOBODY, Capability, Standing, can, capabilities
from casework.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseGrant,
    CaseStatus,
    Consent,
    IdentificationProposal,
    Role,
)
from casework.models.cases import CameToNotice
from referrals import routing
from tests.fixtures.chain import accept, consent, fresh, new_person_case, referral_to
from tests.fixtures.personas import acting, make_user, sign_in

Source = CaseGrant.Source
ALL = frozenset({"core", "identity", "health", "investigation", "shelter", "support"})
PLACEMENT = frozenset({"core", "identity", "health", "shelter"})


def lead(role, kind="police", classes=ALL, may_identify=True):
    return Standing(
        role=role, kind=kind, may_identify=may_identify, classes=classes, sources=frozenset({Source.OWN_AGENCY})
    )


def receiver(role, purpose, kind, classes, may_identify=False, support=False):
    return Standing(
        role=role,
        kind=kind,
        may_identify=may_identify,
        classes=classes,
        sources=frozenset({Source.REFERRAL}),
        purposes=frozenset({purpose}),
        purposes_support=support,
    )


C = Capability
LEAD_WORK = {
    C.MOVE_STATUS, C.CLOSE, C.REOPEN, C.ASSIGN, C.RECORD_VERIFICATION, C.RECORD_CONSENT, C.ADD_NOTE,
    C.ADD_DOCUMENT, C.RECORD_INVESTIGATION, C.SEND_REFERRAL, C.RECORD_RETURN, C.DO_TASK, C.FILE_CLAIM,
    C.RECORD_PAYMENT, C.EXTEND_CAP, C.EDIT_FACTS, C.EDIT_PERSON,
}  # fmt: skip
# (who, standing, capabilities) — written out, not derived from `can`.
TABLE = [
    ("police caseworker, lead", lead(Role.CASEWORKER), LEAD_WORK | {C.RECORD_IDENTIFICATION}),
    (
        "commune caseworker, lead",
        lead(Role.CASEWORKER, "commune", may_identify=False),
        LEAD_WORK | {C.PROPOSE_IDENTIFICATION},
    ),
    (
        "police supervisor, lead",
        lead(Role.SUPERVISOR),
        {C.ASSIGN, C.SEND_REFERRAL, C.RECORD_PAYMENT, C.EXTEND_CAP, C.SEE_WHO},
    ),
    (
        "shelter staff, lead facility",
        lead(Role.SHELTER_STAFF, "womens_union", PLACEMENT, may_identify=False),
        {C.ADD_NOTE, C.ADD_DOCUMENT},
    ),
    ("agency admin, lead", lead(Role.AGENCY_ADMIN, classes=frozenset({"core"})), set()),
    (
        "police caseworker, accepted verification",
        receiver(Role.CASEWORKER, "verification", "police", frozenset({"core", "identity", "investigation"}), True),
        {C.RECORD_IDENTIFICATION, C.RECORD_VERIFICATION, C.ADD_NOTE, C.ADD_DOCUMENT, C.RECORD_INVESTIGATION},
    ),
    (
        "commune caseworker, accepted reception",
        receiver(
            Role.CASEWORKER, "commune_reception", "commune", frozenset({"core", "identity", "support"}), support=True
        ),
        {C.PROPOSE_IDENTIFICATION, C.ADD_NOTE, C.ADD_DOCUMENT, C.FILE_CLAIM, C.RECORD_PAYMENT},
    ),
    (
        "shelter staff, accepted placement",
        receiver(Role.SHELTER_STAFF, "shelter_placement", "womens_union", PLACEMENT),
        {C.ADD_NOTE, C.ADD_DOCUMENT},
    ),
    (
        "supervisor, accepted placement",
        receiver(Role.SUPERVISOR, "shelter_placement", "womens_union", PLACEMENT),
        set(),
    ),
    (
        "caseworker, referral not yet accepted",
        Standing(
            role=Role.CASEWORKER,
            kind="police",
            may_identify=True,
            classes=frozenset({"core"}),
            sources=frozenset({Source.REFERRAL}),
            pending=frozenset({"verification"}),
        ),
        set(),
    ),  # fmt: skip
    (
        "caseworker, former lead",
        Standing(
            role=Role.CASEWORKER,
            kind="commune",
            classes=frozenset({"core", "identity"}),
            sources=frozenset({Source.FORMER}),
        ),
        set(),
    ),  # fmt: skip
    (
        "supervisor deciding a claim",
        Standing(
            role=Role.SUPERVISOR,
            kind="social_protection",
            classes=frozenset({"core", "support"}),
            sources=frozenset({Source.CLAIM}),
        ),
        {C.RECORD_PAYMENT},
    ),  # fmt: skip
    ("no relation", NOBODY, set()),
]


@pytest.mark.parametrize(("who", "held", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_every_capability_for_every_role_and_relation(who, held, expected):
    assert capabilities(held) == frozenset(expected)
    for capability in Capability.values:
        assert can(held, capability) == (capability in expected), (who, capability)


# Over HTTP -------------------------------------------------------------------------------------


@pytest.fixture
def reintegrating(chain):
    """The Sở Y tế case of a woman back home, whose commune accepted the reintegration referral."""
    case = new_person_case(chain.syt, chain.syt_worker, home_commune=chain.commune)
    syt = acting(chain.syt_worker)
    for status in (CaseStatus.VERIFYING, CaseStatus.IDENTIFYING):
        actions.do_transition_case(case, status, reason="Tiến hành", actor=syt)
    actions.do_record_identification(
        fresh(case),
        is_victim=True,
        identified_on=timezone.localdate(),
        authority="Công an tỉnh Lào Cai",
        document="5/XN",
        reason="Lời khai và giấy tờ",
        grounds=["person_statement"],
        agency=chain.police,
        actor=acting(chain.police_worker),
    )
    for status in (CaseStatus.SUPPORTING, CaseStatus.REINTEGRATING):
        actions.do_transition_case(case, status, reason="Tiến hành", actor=syt)
    consent(case, chain.union, ["core", "identity", "support"], chain.syt_worker)
    routing.route_case(case.pk)
    accept(referral_to(case, "reintegration_followup", chain.union), chain.union_worker)
    return fresh(case)


def _changed(case: Case) -> tuple:
    case = fresh(case)
    return case.status, case.assigned_to_id, case.owning_agency_id, case.closure_reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "data"),
    [
        ("casework:case-transition", {"status": "closed", "reason": "Đóng hồ sơ"}),
        ("casework:case-transition", {"status": "supporting", "reason": "Quay lại hỗ trợ"}),
        ("casework:case-assign", {"user": 0}),
        ("support:case-cap-extension", {"item": "l53-a", "extra_days": 30}),
        ("casework:case-consent", {"given_by": "person", "classes": ["core"], "purpose": "x"}),
    ],
)
def test_a_receiver_never_closes_moves_or_reassigns_the_leads_case(chain, reintegrating, route, data):
    case = reintegrating
    if route == "casework:case-assign":
        data = {"user": chain.union_worker.pk}
    before, events = _changed(case), CaseEvent.objects.filter(case=case).count()
    response = sign_in(chain.union_worker).post(reverse(route, args=[case.public_id]), data)
    assert response.status_code == 403
    assert _changed(case) == before
    assert CaseEvent.objects.filter(case=case).count() == events
    refused = AuditEvent.objects.filter(actor=chain.union_worker, case=case, action=AuditEvent.Action.REFUSED)
    assert refused.filter(detail__reason="authority").count() == 1


@pytest.mark.django_db
def test_the_receivers_page_has_no_forms_of_the_lead(chain, reintegrating):
    page = sign_in(chain.union_worker).get(reverse("casework:case-detail", args=[reintegrating.public_id]))
    html = page.content.decode()
    for action in ("/transition/", "/assign/", "/consents/", "/reopen/"):
        assert action not in html, action
    assert "/notes/" in html and "/documents/" in html  # a receiver adds notes and documents
    plan = sign_in(chain.union_worker).get(reverse("support:case-support", args=[reintegrating.public_id]))
    assert "/support/extensions/" not in plan.content.decode()
    # The lead's own page has them (the check above can fail).
    lead_page = sign_in(chain.syt_worker).get(reverse("casework:case-detail", args=[reintegrating.public_id]))
    assert "/transition/" in lead_page.content.decode() and "/assign/" in lead_page.content.decode()


@pytest.mark.django_db
def test_a_receiver_adds_a_note_and_a_document(chain, reintegrating):
    client = sign_in(chain.union_worker)
    response = client.post(
        reverse("casework:case-note", args=[reintegrating.public_id]),
        {"body": "Đã thăm gia đình", "sensitivity": "core"},
    )
    assert response.status_code == 302
    assert reintegrating.notes.get().agency == chain.union


@pytest.mark.django_db
def test_a_commune_officers_identification_is_refused_and_a_proposal_recorded_instead(chain):
    case = new_person_case(chain.commune, chain.commune_worker)
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="Xác minh", actor=acting(chain.commune_worker))
    client = sign_in(chain.commune_worker)
    decision = {
        "outcome": "victim",
        "identified_on": timezone.localdate().isoformat(),
        "authority": "UBND xã Bát Xát",
        "reason": "Lời khai",
        "grounds": ["person_statement"],
    }
    before = fresh(case).status
    response = client.post(reverse("casework:case-identification", args=[case.public_id]), decision)
    assert response.status_code == 403
    case = fresh(case)
    assert case.status == before and case.person_status == "in_identification" and not case.identification_authority
    assert AuditEvent.objects.filter(case=case, action="refused", detail__capability="record_identification").exists()
    page = client.get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    # The forms are fetched when opened (decision 275): the page offers the proposal, not the decision.
    assert 'data-testid="on-demand-proposal"' in page and 'data-testid="on-demand-identification"' not in page

    proposal = {
        "outcome": "victim",
        "grounds": ["person_statement", "absence_matches"],
        "grounds_text": "Vắng mặt 2 năm, lời khai khớp với gia đình",
    }
    assert client.post(reverse("casework:case-proposal", args=[case.public_id]), proposal).status_code == 302
    recorded = IdentificationProposal.objects.get(case=case)
    assert recorded.agency == chain.commune and recorded.status == "open"
    assert recorded.grounds == ["absence_matches", "person_statement"]
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.PROPOSAL).count() == 1


@pytest.mark.django_db
def test_the_police_confirm_a_proposal_by_their_decision(chain):
    case = new_person_case(chain.commune, chain.commune_worker, reception_commune=chain.commune)
    routing.route_case(case.pk)
    accept(referral_to(case, "protection_support", chain.syt), chain.syt_worker)
    from casework.responsibility import do_propose_identification

    do_propose_identification(
        fresh(case),
        is_victim=True,
        grounds=["person_statement"],
        grounds_text="Lời khai",
        actor=acting(chain.syt_worker),
        agency=chain.syt,
    )
    accept(referral_to(case, "verification", chain.police), chain.police_worker)
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="Xác minh", actor=acting(chain.syt_worker))
    client = sign_in(chain.police_worker)
    page = client.get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert 'data-testid="on-demand-identification"' in page and 'data-testid="proposals"' in page
    decision = {
        "outcome": "victim",
        "identified_on": timezone.localdate().isoformat(),
        "authority": "Công an tỉnh Lào Cai — Phòng Cảnh sát hình sự",
        "document": "77/XN-CSHS",
        "reason": "Giấy tờ cơ quan nước ngoài, lời khai phù hợp",
        "grounds": ["foreign_authority", "person_statement"],
    }
    assert client.post(reverse("casework:case-identification", args=[case.public_id]), decision).status_code == 302
    case = fresh(case)
    assert case.person_status == "victim" and case.identification_agency == chain.police
    assert case.identification_grounds == ["foreign_authority", "person_statement"]
    assert IdentificationProposal.objects.get(case=case).status == "confirmed"


@pytest.mark.django_db
def test_a_victim_decision_needs_its_evidence_and_a_competent_body(chain):
    case = new_person_case(chain.police, chain.police_worker)
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="Xác minh", actor=acting(chain.police_worker))
    decision = {
        "outcome": "victim",
        "identified_on": timezone.localdate().isoformat(),
        "authority": "Công an tỉnh Lào Cai",
        "reason": "Lời khai",
    }
    response = sign_in(chain.police_worker).post(
        reverse("casework:case-identification", args=[case.public_id]), decision
    )
    assert response.status_code == 400
    assert fresh(case).status == CaseStatus.VERIFYING  # no evidence ticked: nothing recorded
    with pytest.raises(actions.CaseworkError):
        actions.do_record_identification(
            case,
            is_victim=True,
            identified_on=timezone.localdate(),
            authority="UBND xã",
            document="",
            reason="x",
            grounds=["person_statement"],
            agency=chain.commune,
            actor=acting(chain.commune_worker),
        )
    assert fresh(case).status == CaseStatus.VERIFYING


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AGENCY_ADMIN])
def test_supervisors_and_agency_admins_do_not_register_cases(chain, role):
    user = make_user(f"reader.{role}", chain.police, role)
    client = sign_in(user)
    assert client.get(reverse("casework:case-create", args=["person"])).status_code == 403
    assert client.post(reverse("casework:case-create", args=["person"]), {"full_name": "X"}).status_code == 403
    assert AuditEvent.objects.filter(actor=user, action="refused", detail__capability="register_case").count() == 2
    assert "/cases/new/" not in client.get("/").content.decode()
    # A caseworker of the same agency does (the check above can fail).
    assert sign_in(chain.police_worker).get(reverse("casework:case-create", args=["person"])).status_code == 200


@pytest.mark.django_db
def test_a_national_supervisor_does_not_register(chain):
    national = make_user("national.supervisor", chain.syt_hn, Role.SUPERVISOR)
    assert sign_in(national).get(reverse("casework:case-create-start")).status_code == 403


@pytest.mark.django_db
def test_the_why_line_names_the_earlier_responsibility(chain):
    case = new_person_case(chain.border, chain.border_worker, notice=CameToNotice.BORDER_HANDOVER)
    routing.route_case(case.pk)
    accept(referral_to(case, "repatriation_reception", chain.syt), chain.syt_worker)
    html = sign_in(chain.border_worker).get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert 'data-testid="why-line"' in html
    why = html[html.index('data-testid="why-line"') :][:600]
    assert "chỉ được đọc" in why  # "read-only: what your agency recorded"


def test_a_receiving_agency_cannot_record_consent_for_itself(world):
    group = world.shelter_agency.role_groups.get(role=Role.SHELTER_STAFF).group
    actions.grant_case(world.case, group=group, classes=["core"], can_change=True, source="referral", actor=world.owner)
    client = sign_in(world.shelter)
    response = client.post(
        f"/cases/{world.case.public_id}/consents/",
        {"given_by": "person", "classes": ["core", "investigation"], "purpose": "x", "given_on": "2026-01-02"},
    )
    # Visible but not its action: 403 and a refused row (decision 62).
    assert response.status_code == 403
    assert not Consent.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, actor=world.shelter).exists()
