"""QUALITY S4: every case view, search, download and change leaves an audit row written in
the same transaction as the work; denied attempts too; the table is append-only."""

import re
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework import actions, audit
from casework.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseStatus,
    Consent,
    Document,
    Incident,
    Note,
    Offender,
    Role,
    SensitivityClass,
)
from tests.fixtures.personas import acting, make_user, sign_in

PDF = b"%PDF-1.4\n% audit test\n%%EOF\n"
ALL_CLASSES = sorted(SensitivityClass.values)
SHELTER_CLASSES = sorted(["core", "identity", "health", "shelter"])


def client_for(user, agency=None):
    client = sign_in(user, agency)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    client.raise_request_exception = False
    return client


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def audit_since(mark: int):
    return AuditEvent.objects.filter(id__gt=mark).order_by("id")


def upload_document(world, sensitivity=SensitivityClass.IDENTITY) -> Document:
    return actions.do_upload_document(
        world.case,
        upload=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        kind="id_paper",
        sensitivity=sensitivity,
        title="CCCD",
        actor=acting(world.owner),
        agency=world.police,
        max_bytes=1_000_000,
    )


def record_consent(world) -> Consent:
    return actions.do_record_consent(
        world.case,
        Consent(
            given_by=Consent.GivenBy.PERSON,
            classes=[SensitivityClass.CORE],
            purpose="placement",
            given_on=timezone.localdate(),
        ),
        actor=world.owner,
    )


# Reads -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "classes"),
    [("owner", ALL_CLASSES), ("supervisor", ALL_CLASSES), ("shelter", SHELTER_CLASSES)],
)
def test_case_page_writes_exactly_one_view_row_with_the_classes_shown(world, persona, classes):
    user = getattr(world, persona)
    mark = last_audit_id()
    response = client_for(user).get(f"/cases/{world.case.public_id}/")
    assert response.status_code == 200

    rows = list(audit_since(mark))
    assert [row.action for row in rows] == [AuditEvent.Action.VIEW]
    row = rows[0]
    assert row.case_id == world.case.pk
    assert row.actor_id == user.pk
    assert row.username == user.username
    assert row.classes == classes
    assert row.object_type == "case"
    assert row.object_id == str(world.case.public_id)
    assert row.agency_id == user.memberships.get().agency_id
    assert row.ip == "127.0.0.1"


def test_case_list_writes_list(world):
    mark = last_audit_id()
    assert client_for(world.owner).get("/", {"status": "reported"}).status_code == 200
    rows = list(audit_since(mark))
    assert [row.action for row in rows] == [AuditEvent.Action.LIST]
    assert rows[0].actor_id == world.owner.pk
    assert rows[0].agency_id == world.police.pk
    assert rows[0].detail["filters"] == {"status": "reported"}
    assert rows[0].detail["shown"] == 1
    assert rows[0].classes == [SensitivityClass.CORE, SensitivityClass.IDENTITY]  # her name was shown


def test_a_list_without_names_or_rows_records_what_it_showed(world):
    admin = make_user("audit.admin", world.police, Role.AGENCY_ADMIN)  # `core` only: no names
    mark = last_audit_id()
    assert client_for(admin).get("/").status_code == 200
    assert client_for(world.owner).get("/", {"status": "closed"}).status_code == 200  # no rows
    rows = list(audit_since(mark))
    assert [(row.actor_id, row.classes) for row in rows] == [(admin.pk, [SensitivityClass.CORE]), (world.owner.pk, [])]


@pytest.mark.parametrize("query", ["nguyen thi lan", "LCA-"])
def test_search_writes_search(world, query):
    mark = last_audit_id()
    assert client_for(world.owner).get("/", {"q": query}).status_code == 200
    rows = list(audit_since(mark))
    assert [row.action for row in rows] == [AuditEvent.Action.SEARCH]
    assert rows[0].detail["filters"]["q"] == query
    assert rows[0].actor_id == world.owner.pk


def test_document_download_writes_download(world):
    document = upload_document(world)
    mark = last_audit_id()
    response = client_for(world.shelter).get(f"/cases/{world.case.public_id}/documents/{document.public_id}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    rows = list(audit_since(mark))
    assert [row.action for row in rows] == [AuditEvent.Action.DOWNLOAD]
    assert rows[0].actor_id == world.shelter.pk
    assert rows[0].agency_id == world.shelter_agency.pk
    assert rows[0].case_id == world.case.pk
    assert rows[0].object_type == "document"
    assert rows[0].object_id == str(document.public_id)
    assert rows[0].classes == [SensitivityClass.IDENTITY]


def test_access_list_page_is_audited(world):
    mark = last_audit_id()
    assert client_for(world.supervisor).get(f"/cases/{world.case.public_id}/access/").status_code == 200
    rows = list(audit_since(mark))
    assert [row.action for row in rows] == [AuditEvent.Action.VIEW]
    assert rows[0].detail == {"page": "access-list"}


# Denied ----------------------------------------------------------------------------------------


def test_outsider_opening_the_case_writes_denied(world):
    mark = last_audit_id()
    assert client_for(world.outsider).get(f"/cases/{world.case.public_id}/").status_code == 404
    rows = list(audit_since(mark))
    assert [row.action for row in rows] == [AuditEvent.Action.DENIED]
    assert rows[0].actor_id == world.outsider.pk
    assert rows[0].agency_id == world.union.pk
    assert rows[0].case_id == world.case.pk
    assert rows[0].classes == []


def test_unknown_case_writes_denied(world):
    unknown = uuid.uuid4()
    mark = last_audit_id()
    assert client_for(world.owner).get(f"/cases/{unknown}/").status_code == 404
    rows = list(audit_since(mark))
    assert [row.action for row in rows] == [AuditEvent.Action.DENIED]
    assert rows[0].case_id is None
    assert rows[0].actor_id == world.owner.pk
    assert rows[0].detail["public_id"] == str(unknown)


def test_denied_change_writes_denied_and_nothing_else(world):
    mark = last_audit_id()
    response = client_for(world.outsider).post(
        f"/cases/{world.case.public_id}/transition/", {"status": "verifying", "reason": "x"}
    )
    assert response.status_code == 404
    assert [row.action for row in audit_since(mark)] == [AuditEvent.Action.DENIED]
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.REPORTED


def test_denied_document_writes_denied(world):
    document = upload_document(world, SensitivityClass.INVESTIGATION)
    mark = last_audit_id()
    response = client_for(world.shelter).get(f"/cases/{world.case.public_id}/documents/{document.public_id}/")
    assert response.status_code == 404
    rows = list(audit_since(mark))
    assert [row.action for row in rows] == [AuditEvent.Action.DENIED]
    assert rows[0].detail == {"document": str(document.public_id)}


def test_shelter_refused_assignment_is_audited_as_refused(world):
    """The shelter may see the case but not assign it: a 403 and a refused row (decision 62)."""
    mark = last_audit_id()
    response = client_for(world.shelter).post(f"/cases/{world.case.public_id}/assign/", {"user": world.colleague.pk})
    assert response.status_code == 403
    refused = [row for row in audit_since(mark) if row.action == AuditEvent.Action.REFUSED]
    assert [row.detail["capability"] for row in refused] == ["assign"]
    world.case.refresh_from_db()
    assert world.case.assigned_to == world.owner


# Changes ---------------------------------------------------------------------------------------


def _prepare(world, endpoint: str) -> dict:
    """Bring the case into a state where the endpoint's change is allowed; the POST data."""
    case, owner = world.case, acting(world.owner)
    today = timezone.localdate().isoformat()
    if endpoint == "identification":
        actions.do_transition_case(case, CaseStatus.VERIFYING, reason="check", actor=owner)
        actions.do_transition_case(case, CaseStatus.IDENTIFYING, reason="check", actor=owner)
        return {
            "outcome": "victim",
            "identified_on": today,
            "authority": "Công an tỉnh",
            "document": "1/QĐ",
            "grounds": ["person_statement"],
            "reason": "statements",
        }
    if endpoint == "reopen":
        actions.do_transition_case(case, CaseStatus.CLOSED, reason="done", actor=owner)
        return {"reason": "new facts"}
    if endpoint == "consents/withdraw":
        return {"consent": record_consent(world).pk, "reason": "changed her mind"}
    if endpoint == "offenders":
        actions.do_link_incident(case, None, actor=owner, agency=world.police, summary="s")
        return {
            "full_name": "Đối tượng B",
            "sex": "male",
            "role_in_process": "Recruiter",
            "relation_to_victim": "Stranger",
        }
    return {
        "transition": {"status": "verifying", "reason": "verification starts"},
        "assign": {"user": world.colleague.pk},
        "notes": {"body": "a note", "sensitivity": "health"},
        "documents": {
            "file": SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf"),
            "kind": "other",
            "sensitivity": "identity",
            "title": "t",
        },
        "consents": {"given_by": "person", "classes": ["core", "shelter"], "purpose": "p", "given_on": today},
        "incident": {"criminal_case_number": "HS-1", "summary": "s"},
    }[endpoint]


# endpoint → (audit actions written, timeline event kind, object type audited)
CHANGES = {
    "transition": ({"transition"}, "transition", "case"),
    "identification": ({"transition"}, "identification", "case"),
    "reopen": ({"transition"}, "reopened", "case"),
    "assign": ({"revoke", "grant"}, "assigned", "casegrant"),
    "notes": ({"create"}, "note", "note"),
    "documents": ({"create"}, "document", "document"),
    "consents": ({"create"}, "consent", "consent"),
    "consents/withdraw": ({"update"}, "consent_withdrawn", "consent"),
    "incident": ({"update"}, "incident", "incident"),
    "offenders": ({"create"}, "offender", "offender"),
}


def _snapshot(case: Case) -> dict:
    case.refresh_from_db()
    return {
        "status": case.status,
        "assigned_to": case.assigned_to_id,
        "incident": case.incident_id,
        "identified_on": case.identified_on,
        "notes": Note.objects.filter(case=case).count(),
        "documents": Document.objects.filter(case=case).count(),
        "consents": Consent.objects.filter(case=case).count(),
        "withdrawn": Consent.objects.filter(case=case, withdrawn_at__isnull=False).count(),
        "incidents": Incident.objects.count(),
        "offenders": Offender.objects.count(),
        "events": CaseEvent.objects.filter(case=case).count(),
    }


@pytest.mark.parametrize("endpoint", list(CHANGES))
def test_each_change_writes_its_audit_row_and_timeline_event(world, endpoint):
    data = _prepare(world, endpoint)
    audit_actions, event_kind, object_type = CHANGES[endpoint]
    before = _snapshot(world.case)
    mark = last_audit_id()
    event_mark = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first()

    response = client_for(world.owner).post(f"/cases/{world.case.public_id}/{endpoint}/", data)
    assert response.status_code == 302

    assert _snapshot(world.case) != before  # the change happened
    rows = list(audit_since(mark))
    assert {row.action for row in rows} == audit_actions
    for row in rows:
        assert row.case_id == world.case.pk
        assert row.actor_id == world.owner.pk
        assert row.agency_id == world.police.pk
        assert row.ip == "127.0.0.1"
    assert object_type in {row.object_type for row in rows}
    kinds = set(CaseEvent.objects.filter(case=world.case, id__gt=event_mark).values_list("kind", flat=True))
    assert event_kind in kinds


def _failing_audit(monkeypatch):
    original = audit.record

    def record(action, **kwargs):
        if action in (AuditEvent.Action.VIEW, AuditEvent.Action.DENIED, AuditEvent.Action.LIST):
            return original(action, **kwargs)
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", record)


def _failing_timeline(monkeypatch):
    def event(*args, **kwargs):
        raise RuntimeError("timeline unavailable")

    monkeypatch.setattr(actions, "record_event", event)


@pytest.mark.parametrize("failing", [_failing_audit, _failing_timeline], ids=["audit-fails", "timeline-fails"])
@pytest.mark.parametrize("endpoint", list(CHANGES))
def test_a_change_and_its_audit_row_commit_together(world, monkeypatch, endpoint, failing):
    """When writing the audit row (or the timeline event) fails, the change is not kept,
    and when the change fails no audit row is left behind."""
    data = _prepare(world, endpoint)
    before = _snapshot(world.case)
    mark = last_audit_id()
    failing(monkeypatch)

    response = client_for(world.owner).post(f"/cases/{world.case.public_id}/{endpoint}/", data)

    assert response.status_code == 500
    assert _snapshot(world.case) == before
    assert not audit_since(mark).exclude(action__in=["view", "denied", "list"]).exists()


def test_a_refused_transition_writes_neither_event_nor_audit(world):
    mark = last_audit_id()
    events = CaseEvent.objects.filter(case=world.case).count()
    response = client_for(world.owner).post(
        f"/cases/{world.case.public_id}/transition/", {"status": "supporting", "reason": "skip ahead"}
    )
    assert response.status_code == 302
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.REPORTED
    assert CaseEvent.objects.filter(case=world.case).count() == events
    assert not audit_since(mark).filter(action=AuditEvent.Action.TRANSITION).exists()


def test_a_transition_in_the_action_layer_writes_event_and_audit_atomically(world):
    case = world.case
    mark = last_audit_id()
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="start", actor=world.owner)
    row = audit_since(mark).get(action=AuditEvent.Action.TRANSITION)
    assert row.detail == {"from": "reported", "to": "verifying"}
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.TRANSITION)
    assert (event.old_status, event.new_status, event.reason) == ("reported", "verifying", "start")

    with pytest.raises(actions.CaseworkError):
        actions.do_transition_case(case, CaseStatus.SUPPORTING, reason="skip", actor=world.owner)
    assert audit_since(mark).filter(action=AuditEvent.Action.TRANSITION).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TRANSITION).count() == 1


# Append-only -----------------------------------------------------------------------------------


def test_audit_rows_cannot_be_changed_through_the_model(world):
    row = AuditEvent.objects.filter(case=world.case).first()
    row.action = AuditEvent.Action.LOGIN
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()
    row.refresh_from_db()
    assert row.action != AuditEvent.Action.LOGIN


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE casework_auditevent SET action = 'login' WHERE id = %s",
        "UPDATE casework_auditevent SET username = 'nobody', ip = NULL WHERE id = %s",
        "DELETE FROM casework_auditevent WHERE id = %s",
    ],
    ids=["update-action", "update-actor", "delete"],
)
def test_database_refuses_update_and_delete_of_audit_rows(world, sql):
    row = AuditEvent.objects.filter(case=world.case).order_by("id").first()
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [row.pk])
    assert AuditEvent.objects.count() == count
    fresh = AuditEvent.objects.get(pk=row.pk)
    assert (fresh.action, fresh.username, fresh.ip) == (row.action, row.username, row.ip)


@pytest.mark.postgres
def test_database_refuses_bulk_update_and_delete_through_the_orm(world):
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(case=world.case).update(action="login")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(case=world.case)._raw_delete(connection.alias)
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(action="login").exists()


@pytest.mark.postgres
def test_database_still_accepts_new_audit_rows(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO casework_auditevent (at, action, object_type, object_id, classes, username, detail)"
            " VALUES (%s, 'view', '', '', '[]', 'raw', '{}')",
            [timezone.now()],
        )
    assert AuditEvent.objects.filter(username="raw").exists()


# Who viewed this record ------------------------------------------------------------------------


def viewers_panel(html: str) -> str | None:
    match = re.search(r'<ul[^>]*data-testid="viewers"[^>]*>(.*?)</ul>', html, re.S)
    return match.group(1) if match else None


def test_owning_supervisor_sees_who_viewed_the_record(world):
    url = f"/cases/{world.case.public_id}/"
    assert client_for(world.owner).get(url).status_code == 200
    assert client_for(world.outsider).get(url).status_code == 404  # denied, not a view

    html = client_for(world.supervisor).get(url).content.decode()
    panel = viewers_panel(html)
    assert panel is not None
    assert str(world.owner) in panel  # the owner's earlier view
    assert world.police.label in panel
    assert str(world.outsider) not in panel


@pytest.mark.parametrize("persona", ["owner", "colleague", "shelter"])
def test_viewers_panel_is_absent_for_others(world, persona):
    url = f"/cases/{world.case.public_id}/"
    client_for(world.supervisor).get(url)
    html = client_for(getattr(world, persona)).get(url).content.decode()
    assert world.case.reference in html
    assert 'data-testid="viewers"' not in html
    assert viewers_panel(html) is None


def test_rule_refusals_are_audited_as_refused(world):
    client = sign_in(world.owner)
    client.post(f"/cases/{world.case.public_id}/transition/", {"status": "supporting", "reason": "skip"})
    refusal = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, case=world.case)
    assert refusal.detail["action"] == "transition"
