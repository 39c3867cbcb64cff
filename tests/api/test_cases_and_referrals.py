"""GET cases and referrals, and the referral moves, per agency: what each may see (others' ids
are 404 with a `denied` row), what the disclosure classes show, scopes (403), audit rows."""

import uuid

import pytest

from casework.models import AuditEvent, CaseGrant
from referrals import routing
from referrals.models import ReferralStatus
from tests.api.conftest import make_client
from tests.fixtures.chain import new_person_case, referral_to
from tests.fixtures.personas import acting

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed_case(api):
    """A self-report at the Lào Cai police, routed to the commune and Sở Y tế."""
    case = new_person_case(api.police, api.police_worker, reception_commune=api.commune)
    routing.route_case(case.pk)
    return case


def test_the_lead_lists_and_reads_its_case_with_the_person(api, routed_case):
    listed = api.police_api.get("/api/v1/cases")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [item["code"] for item in items] == [str(routed_case.public_id)]
    assert items[0]["person"]["full_name"] == "Lò Thị Hoa" and items[0]["lead_agency"] == "c-police"
    one = api.police_api.get(f"/api/v1/cases/{routed_case.public_id}").json()
    assert one["reference"] == routed_case.reference and "identity" in one["classes"]
    user = api.police_client.user
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LIST, actor=user, detail__page="api-cases").exists()
    view = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, actor=user, case=routed_case)
    assert "identity" in view.classes and view.agency_id == api.police.pk


def test_a_receiver_reads_core_only_until_it_holds_identity(api, routed_case):
    """The commune received a referral: it sees the case's core facts, not who she is."""
    one = api.commune_api.get(f"/api/v1/cases/{routed_case.public_id}")
    assert one.status_code == 200
    held = set(
        CaseGrant.objects.filter(
            case=routed_case, group__agency_group__agency=api.commune, revoked_at__isnull=True
        ).values_list("classes", flat=True)[0]
    )
    assert (one.json()["person"] is None) == ("identity" not in held)
    assert one.json()["classes"] == sorted(held)


def test_another_provinces_agency_gets_404_and_a_denied_row(api, routed_case):
    assert api.syt_hn_api.get("/api/v1/cases").json()["items"] == []
    response = api.syt_hn_api.get(f"/api/v1/cases/{routed_case.public_id}")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DENIED, actor=api.syt_hn_client.user, case=routed_case
    ).exists()
    assert api.police_api.get(f"/api/v1/cases/{uuid.uuid4()}").status_code == 404
    assert api.police_api.get("/api/v1/cases/not-a-uuid").status_code in (404, 422)


def test_cases_are_paged_with_a_cursor(api):
    cases = [new_person_case(api.police, api.police_worker, birth_year=1990 + n) for n in range(3)]
    first = api.police_api.get("/api/v1/cases", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next"]
    second = api.police_api.get("/api/v1/cases", {"limit": 2, "after": first["next"]}).json()
    seen = [item["code"] for item in first["items"] + second["items"]]
    assert sorted(seen) == sorted(str(case.public_id) for case in cases) and second["next"] is None
    assert api.police_api.get("/api/v1/cases", {"limit": 0}).status_code == 422
    assert api.police_api.get("/api/v1/cases", {"after": "x"}).status_code == 422


def test_inbox_sent_and_one_referral(api, routed_case):
    to_commune = referral_to(routed_case, "commune_reception", api.commune)
    inbox = api.commune_api.get("/api/v1/referrals").json()["items"]
    assert [item["code"] for item in inbox] == [str(to_commune.public_id)]
    assert inbox[0]["profile"]["sex"] == "female" and inbox[0]["side"] == "receiver"
    sent = api.police_api.get("/api/v1/referrals", {"box": "sent"}).json()["items"]
    assert {item["to_agency"] for item in sent} == {"c-batxat", "c-syt-lca"}
    one = api.commune_api.get(f"/api/v1/referrals/{to_commune.public_id}")
    assert one.status_code == 200 and one.json()["reference"] == to_commune.reference
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, actor=api.commune_client.user, object_id=str(to_commune.public_id)
    ).exists()
    # Sở Y tế of Hà Nội is at neither end.
    assert api.syt_hn_api.get(f"/api/v1/referrals/{to_commune.public_id}").status_code == 404
    assert api.syt_hn_api.get("/api/v1/referrals").json()["items"] == []
    assert api.commune_api.get("/api/v1/referrals", {"box": "other"}).status_code == 422


def test_the_receiver_acknowledges_and_accepts_through_the_actions(api, routed_case):
    to_commune = referral_to(routed_case, "commune_reception", api.commune)
    url = f"/api/v1/referrals/{to_commune.public_id}"
    assert api.commune_api.post(f"{url}/acknowledge").json()["status"] == ReferralStatus.RECEIVED
    accepted = api.commune_api.post(f"{url}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == ReferralStatus.ACCEPTED
    # The action's own audit row and referral event name the commune's client.
    assert to_commune.events.filter(actor=api.commune_client.user).count() == 2
    # Accepting twice is a conflict the action refuses (and audits), not a 500.
    again = api.commune_api.post(f"{url}/accept")
    assert again.status_code == 409 and again.json()["detail"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, actor=api.commune_client.user).exists()


def test_moves_of_the_other_side_or_other_agencies_are_404(api, routed_case):
    to_commune = referral_to(routed_case, "commune_reception", api.commune)
    url = f"/api/v1/referrals/{to_commune.public_id}"
    # The sender may not accept; a stranger may not see it at all.
    assert api.police_api.post(f"{url}/accept").status_code == 404
    assert api.syt_hn_api.post(f"{url}/accept").status_code == 404
    assert api.commune_api.post(f"{url}/cancel", {"reason": "x"}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=api.police_client.user).exists()
    to_commune.refresh_from_db()
    assert to_commune.status == ReferralStatus.SENT


def test_decline_needs_a_reason_and_cancel_is_the_senders(api, routed_case):
    to_commune = referral_to(routed_case, "commune_reception", api.commune)
    url = f"/api/v1/referrals/{to_commune.public_id}"
    missing = api.commune_api.post(f"{url}/decline", {})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    assert api.commune_api.post(f"{url}/decline", {"reason": 5}).status_code == 422
    to_syt = referral_to(routed_case, "protection_support", api.syt)
    cancelled = api.police_api.post(f"/api/v1/referrals/{to_syt.public_id}/cancel", {"reason": "Nhầm cơ quan"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == ReferralStatus.CANCELLED


def test_read_scope_does_not_give_moves(api, routed_case):
    client, reader = make_client(api.commune, scopes=["referrals:read"], name="Chỉ đọc")
    to_commune = referral_to(routed_case, "commune_reception", api.commune)
    assert reader.get(f"/api/v1/referrals/{to_commune.public_id}").status_code == 200
    assert reader.post(f"/api/v1/referrals/{to_commune.public_id}/accept").status_code == 403
    assert reader.get("/api/v1/cases").status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, actor=client.user).count() == 2


def test_a_web_user_acting_sees_the_same_inbox(api, routed_case):
    """The API's inbox is the web's: the same query for the same agency and role."""
    from referrals.access import inbox_referrals

    web = [referral.public_id for referral in inbox_referrals(acting(api.commune_worker))]
    assert [uuid.UUID(item["code"]) for item in api.commune_api.get("/api/v1/referrals").json()["items"]] == web
