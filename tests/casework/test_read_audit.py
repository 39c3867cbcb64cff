"""Pages that show data and refusals that had no audit row now leave one (decision 174): a
switch into a membership not held, an invalid case form, the notifications, the export job's
status. A background poll of a page whose load was recorded is not recorded again."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, Role
from exchange.models import ExportJob
from messaging import notify
from messaging.models import Notification
from tests.fixtures.personas import sign_in

pytestmark = pytest.mark.django_db

POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_CAUNOI_BACKGROUND": "1"}


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_a_switch_into_a_membership_not_held_is_refused_and_audited(world, value):
    other = world.outsider.memberships.get().pk
    client = sign_in(world.owner)
    response = client.post("/agency/", {"membership": value or other})
    assert response.status_code == 400
    row = AuditEvent.objects.get(action=AuditEvent.Action.DENIED, actor=world.owner)
    expected = {"": other, "abc": None, "999999": 999999}[value]
    assert row.detail == {"page": "choose-agency", "membership": expected}
    assert client.session.get("active_membership_id") == world.owner.memberships.get().pk


def test_an_invalid_case_form_is_a_refused_row_naming_the_fields_not_the_text(world):
    client = sign_in(world.owner)
    response = client.post(
        f"/cases/{world.case.public_id}/notes/", {"body": "Chị ấy kể lại chuyến đi", "sensitivity": "nonsense"}
    )
    assert response.status_code == 302
    row = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, actor=world.owner)
    assert row.case == world.case
    assert row.detail["reason"] == "invalid form" and row.detail["action"] == "case-note"
    assert row.detail["fields"] == ["sensitivity"]
    assert "Chị ấy" not in str(row.detail)


def _tell(world) -> Notification:
    return notify.notify(
        users=[world.supervisor],
        agency=world.police,
        kind=Notification.Kind.REFERRAL_MOVED,
        params={"referral": "R1", "case": world.case.reference, "purpose": {"vi": "x", "en": "x"}, "step": "accepted"},
        url=f"/cases/{world.case.public_id}/",
        key="k1",
    )[0]


def test_the_notification_list_and_opening_one_are_audited(world):
    notification = _tell(world)
    client = sign_in(world.supervisor)
    assert client.get("/referrals/notifications/").status_code == 200
    listed = AuditEvent.objects.get(action=AuditEvent.Action.LIST, actor=world.supervisor)
    assert listed.detail == {"page": "notifications", "shown": 1, "page_number": 1}
    assert listed.agency == world.police
    assert client.get(f"/referrals/notifications/{notification.pk}/").status_code == 302
    opened = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, actor=world.supervisor)
    assert (opened.object_type, opened.object_id) == ("notification", str(notification.pk))
    assert opened.detail == {"kind": Notification.Kind.REFERRAL_MOVED}


def test_the_export_status_is_audited_when_asked_for_and_not_when_polled(world):
    job = ExportJob.objects.create(
        requested_by=world.supervisor,
        agency=world.police,
        role=Role.SUPERVISOR,
        kind=ExportJob.Kind.CASES,
        format=ExportJob.Format.CSV,
        params={},
        status=ExportJob.Status.RUNNING,
        heartbeat_at=timezone.now(),
    )
    client = sign_in(world.supervisor)
    url = reverse("exchange:export-status", args=[job.public_id])
    assert client.get(url).status_code == 200
    row = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, actor=world.supervisor)
    assert (row.object_type, row.object_id) == ("exportjob", str(job.public_id))
    assert row.detail == {"page": "export-status", "kind": "cases", "status": "running"}
    assert client.get(url, **POLL).status_code == 200
    assert AuditEvent.objects.filter(actor=world.supervisor, action=AuditEvent.Action.VIEW).count() == 1
