"""Review findings on the API (decisions 237–239): replays are access-checked and audited,
a conflict that is not the key's is a 409, revoked tokens leave a row, API reports wait for
a human assignee, and the admin's one-time token never goes to a cookie."""

import pytest
from django.db import IntegrityError

from casework.actions import revoke_case
from casework.models import AuditEvent, Case, CaseGrant, Role
from tests.api.test_reports import URL, report

pytestmark = pytest.mark.django_db


def test_an_idempotent_replay_is_audited_as_a_view(api):
    body = report()
    first = api.police_api.post(URL, body, **{"Idempotency-Key": "call-7"})
    case = Case.objects.get(public_id=first.json()["code"])
    views = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, case=case, actor=api.police_client.user)
    assert views.count() == 0
    again = api.police_api.post(URL, body, **{"Idempotency-Key": "call-7"})
    assert again.status_code == 200 and again.json()["code"] == str(case.public_id)
    assert views.count() == 1


def test_a_replay_of_a_case_the_client_no_longer_sees_is_404_with_a_denied_row(api):
    body = report()
    first = api.police_api.post(URL, body, **{"Idempotency-Key": "call-8"})
    case = Case.objects.get(public_id=first.json()["code"])
    for grant in CaseGrant.objects.filter(case=case, revoked_at__isnull=True):
        revoke_case(grant, actor=None)
    again = api.police_api.post(URL, body, **{"Idempotency-Key": "call-8"})
    assert again.status_code == 404
    assert str(case.public_id) not in again.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=api.police_client.user).count() == 1


@pytest.mark.parametrize("key", [None, "call-9"])
def test_a_conflict_that_is_not_the_keys_is_409_not_500(api, monkeypatch, key):
    from api.endpoints import reports

    def conflicting(*args, **kwargs):
        raise IntegrityError("another constraint")

    monkeypatch.setattr(reports, "_register", conflicting)
    headers = {"Idempotency-Key": key} if key else {}
    response = api.police_api.post(URL, report(), **headers)
    assert response.status_code == 409
    assert response.json()["detail"]
    assert not Case.objects.exists()


def test_a_revoked_token_leaves_a_login_failed_row_naming_the_client(api):
    from api.clients import do_revoke_client
    from tests.fixtures.personas import make_user

    admin = make_user("police.admin.revoker", api.police, Role.AGENCY_ADMIN)
    do_revoke_client(api.police_client, actor=admin)
    failed = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert api.police_api.get("/api/v1/cases").status_code == 401
    row = failed.get()
    assert row.detail == {"api_client": api.police_client.name, "revoked": True}
    assert row.username == api.police_client.user.username and row.agency_id == api.police.pk
    # An unknown token names nobody: a 401 and no row.
    assert api.police_api.http.get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer cnapi_wrong").status_code == 401
    assert failed.count() == 1


def test_an_api_report_is_left_unassigned_and_its_supervisors_are_told(api):
    from django.utils import translation

    from casework.access import assignable_caseworkers
    from messaging.models import Notification, OutboxMessage
    from messaging.notify import notification_text

    response = api.police_api.post(URL, report())
    assert response.status_code == 201
    case = Case.objects.get(public_id=response.json()["code"])
    assert case.assigned_to is None
    assert not CaseGrant.objects.filter(case=case, source=CaseGrant.Source.ASSIGNMENT).exists()
    assert api.police_client.user not in assignable_caseworkers(api.police.pk)
    notice = Notification.objects.get(kind=Notification.Kind.TASK_CREATED)
    assert notice.recipient == api.police_supervisor and notice.agency == api.police
    assert notice.url == f"/cases/{case.public_id}/"
    assert OutboxMessage.objects.filter(task="messaging.tasks.send_notification_email", args=[notice.pk]).exists()
    with translation.override("en"):
        text = notification_text(notice)
    assert case.reference in text and "assign a caseworker" in text
    assert "Lò Thị Mai" not in text
    with translation.override("vi"):
        assert "phân công" in notification_text(notice)
    # Supervisors assign a person; the supervisors' page of the case offers the police worker.
    assert list(assignable_caseworkers(api.police.pk)) == [api.police_worker]
