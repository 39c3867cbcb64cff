"""POST /api/v1/reports: a hotline 111 intake registered as the web wizard registers one, routed
to the commune of reception and the province's Sở Y tế, idempotent under Idempotency-Key."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, Case, CaseEvent
from messaging.models import OutboxMessage
from referrals import tasks
from referrals.models import Referral
from tests.api.conftest import make_client
from tests.fixtures.personas import sign_in

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


def report(**person):
    return {
        "person": {"full_name": "Lò Thị Mai", "sex": "female", "birth_year": 2001, "home_province": "LCA", **person},
        "facts": {
            "came_to_notice": "hotline_111",
            "received_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
            "reception_province": "LCA",
            "reception_commune": "c-batxat",
            "exploitation_forms": ["ForcedMarriage"],
        },
    }


def test_a_hotline_report_arrives_in_the_communes_and_so_y_tes_inbox(api):
    response = api.police_api.post(URL, report())
    assert response.status_code == 201, response.content
    case = Case.objects.get(public_id=response.json()["code"])
    assert case.owning_agency == api.police and case.came_to_notice == "hotline_111"
    # The registration queued routing in its transaction, as a web registration does; the
    # worker's task runs it (here in the test's thread, whether or not a broker is set).
    message = OutboxMessage.objects.get(task="referrals.tasks.route_case", args=[case.pk])
    tasks.route_case(case.pk, message.pk)
    # Routing ran as for a web registration: the commune of reception and Sở Y tế of Lào Cai.
    routed = sorted(Referral.objects.filter(case=case).values_list("purpose__code", "to_agency__code"))
    assert routed == [("commune_reception", "c-batxat"), ("protection_support", "c-syt-lca")]
    # Both see it in their inboxes: the commune through its own API client, Sở Y tế on the web.
    inbox = api.commune_api.get("/api/v1/referrals").json()["items"]
    assert [(item["case"], item["purpose"]) for item in inbox] == [(str(case.public_id), "commune_reception")]
    page = sign_in(api.syt_worker).get(reverse("referrals:inbox")).content.decode()
    assert Referral.objects.get(case=case, to_agency=api.syt).reference in page
    # The same audit row and timeline line as the wizard, naming the client's service account.
    created = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, case=case, object_type="case")
    assert created.username == api.police_client.user.username and created.agency_id == api.police.pk
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CREATED, actor=api.police_client.user).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH, actor=api.police_client.user).exists()


def test_the_same_idempotency_key_returns_the_same_case(api):
    body = report()
    first = api.police_api.post(URL, body, **{"Idempotency-Key": "call-42"})
    again = api.police_api.post(URL, body, **{"Idempotency-Key": "call-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"] and again.json()["created"] is False
    assert Case.objects.filter(person__full_name="Lò Thị Mai").count() == 1
    # The same key for another body is refused, not silently answered with the first case.
    other = api.police_api.post(URL, report(full_name="Vàng Thị Sua"), **{"Idempotency-Key": "call-42"})
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    # Keys are per client: another client's same key registers its own case.
    _client, hotline = make_client(api.syt_hn, scopes=["reports:create"], name="111")
    assert hotline.post(URL, report(full_name="Giàng Thị Dế"), **{"Idempotency-Key": "call-42"}).status_code == 201


def test_a_possible_duplicate_the_agency_sees_must_be_confirmed(api):
    assert api.police_api.post(URL, report()).status_code == 201
    again = api.police_api.post(URL, report())
    assert again.status_code == 409 and len(again.json()["duplicates"]) == 1
    confirmed = api.police_api.post(URL, {**report(), "confirm_not_duplicate": True})
    assert confirmed.status_code == 201


@pytest.mark.parametrize(
    "change, field",
    [
        ({"person": {"full_name": "   ", "sex": "female"}}, "person.full_name"),
        ({"person": {"full_name": "Lò Thị Mai", "sex": "female", "phone": "abc-xyz-!!!"}}, "person.phone"),
        ({"facts_province": "ZZ"}, "facts.reception_province"),
        ({"facts_commune": "c-hoankiem"}, "facts.reception_commune"),
        ({"picklist": ["no-such-form"]}, "facts.exploitation_forms"),
        ({"future": True}, "facts.received_at"),
    ],
)
def test_bad_reports_are_422_naming_the_field(api, change, field):
    body = report()
    if "person" in change:
        body["person"] = change["person"]
    if "facts_province" in change:
        body["facts"]["reception_province"] = change["facts_province"]
    if "facts_commune" in change:
        body["facts"]["reception_commune"] = change["facts_commune"]
    if "picklist" in change:
        body["facts"]["exploitation_forms"] = change["picklist"]
    if "future" in change:
        body["facts"]["received_at"] = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = api.police_api.post(URL, body)
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Case.objects.exists()


@pytest.mark.parametrize("body", [{}, {"person": {}}, [], "x", {"person": {"full_name": 3}, "facts": None}])
def test_malformed_bodies_are_4xx(api, body):
    response = api.police_api.post(URL, body)
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_a_body_that_is_not_json_is_400(api):
    response = api.police_api.http.post(
        URL, "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.police_api.token}"
    )
    assert response.status_code in (400, 422)


def test_a_client_without_the_scope_is_403_with_a_refused_row(api):
    client, reader = make_client(api.police, scopes=["cases:read"], name="Reader")
    response = reader.post(URL, report())
    assert response.status_code == 403
    row = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, actor=client.user)
    assert row.detail["capability"] == "api:reports:create"
    assert not Case.objects.exists()
