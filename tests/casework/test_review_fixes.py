"""Regressions for the findings of the privacy review (see the commit that added this file)."""

import datetime

import pytest
from django.test import Client, RequestFactory

from casework import actions
from casework.access import case_classes
from casework.middleware import client_ip
from casework.models import AuditEvent, CaseGrant, CaseStatus, Consent, Membership, Role, User
from tests.fixtures.personas import acting, sign_in


def test_grant_events_are_hidden_from_agencies_that_do_not_own_the_case(world):
    actions.do_assign_case(world.case, world.colleague, actor=world.supervisor)
    shelter_page = sign_in(world.shelter).get(f"/cases/{world.case.public_id}/").content.decode()
    # Grant events read "Agency — role: classes"; none may reach another agency.
    assert world.shelter_agency.name + " — " not in shelter_page
    assert world.police.name + " — " not in shelter_page
    owner_page = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert world.shelter_agency.name + " — " in owner_page


def test_receiving_agencies_see_only_the_consents_that_concern_them(world):
    for agency in (world.shelter_agency, world.union):
        actions.do_record_consent(
            world.case,
            Consent(
                given_by="person",
                classes=["core"],
                agency=agency,
                purpose=f"share with {agency.code}",
                given_on=datetime.date(2026, 1, 2),
            ),
            actor=world.owner,
        )
    page = sign_in(world.shelter).get(f"/cases/{world.case.public_id}/").content.decode()
    assert "share with t-shelter" in page and "share with t-union" not in page
    owner_page = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert "share with t-union" in owner_page


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


def test_an_assignment_does_not_follow_the_user_into_another_role(world):
    actions.do_add_membership(world.owner, world.police, Role.AGENCY_ADMIN, actor=None)
    as_admin = acting(world.owner)
    as_admin.active_membership = Membership.objects.get(user=world.owner, role=Role.AGENCY_ADMIN)
    assert case_classes(as_admin, world.case) == {"core"}
    client = sign_in(world.owner, role=Role.AGENCY_ADMIN)
    moved = client.post(f"/cases/{world.case.public_id}/transition/", {"status": "verifying", "reason": "x"})
    assert moved.status_code == 403  # the admin sees core, and may not move the case (decision 62)
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.REPORTED


def test_rule_refusals_are_audited_as_refused(world):
    client = sign_in(world.owner)
    client.post(f"/cases/{world.case.public_id}/transition/", {"status": "supporting", "reason": "skip"})
    refusal = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, case=world.case)
    assert refusal.detail["action"] == "transition"


def test_the_admin_sign_in_is_the_throttled_one(world):
    staff = User.objects.create_user("staffer", password="correct-horse-battery", is_staff=True)
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=%2Fadmin%2F"
    client = Client()
    for _ in range(6):
        client.post("/sign-in/", {"username": "staffer", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username="staffer").count() == 6
    assert staff.is_staff


def test_a_membership_role_cannot_be_changed_in_place(world, admin_client):
    membership = world.owner.memberships.get()
    url = f"/admin/casework/membership/{membership.pk}/change/"
    admin_client.force_login(User.objects.create_superuser("root", "root@example.invalid", "x-password-123"))
    from casework.middleware import SESSION_AUTH_AT_KEY

    session = admin_client.session
    session[SESSION_AUTH_AT_KEY] = __import__("time").time()
    session.save()
    admin_client.post(
        url, {"user": world.outsider.pk, "agency": world.union.pk, "role": "agency_admin", "is_active": "on"}
    )
    membership.refresh_from_db()
    assert (membership.user, membership.agency, membership.role) == (world.owner, world.police, Role.CASEWORKER)
    assert Membership.objects.filter(user=world.owner).count() == 1
    admin_client.post(url, {})  # untick "active"
    membership.refresh_from_db()
    assert not membership.is_active
    assert not world.owner.groups.filter(pk=membership.agency_group.group_id).exists()
    assert not world.case.grants.filter(source=CaseGrant.Source.ASSIGNMENT, revoked_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.5", "", "10.0.0.5"),  # no proxy configured for this address
        ("192.0.2.1", "198.51.100.7", "198.51.100.7"),
        ("192.0.2.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a forged leftmost entry is ignored
        ("192.0.2.1", "198.51.100.7, 192.0.2.2", "198.51.100.7"),  # two proxies in a row
        ("192.0.2.1", "not-an-ip", "192.0.2.1"),
        ("10.0.0.5", "198.51.100.7", "10.0.0.5"),  # untrusted sender: header ignored
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["192.0.2.1", "192.0.2.2"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_document_missing_from_storage_is_a_404(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = actions.do_upload_document(
        world.case,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
        kind="other",
        sensitivity="core",
        title="t",
        actor=world.owner,
        agency=world.police,
        max_bytes=10_000,
    )
    document.file.storage.delete(document.file.name)
    client = sign_in(world.owner)
    client.raise_request_exception = False
    assert client.get(f"/cases/{world.case.public_id}/documents/{document.public_id}/").status_code == 404


def test_the_agency_switch_is_audited(world):
    actions.do_add_membership(world.owner, world.union, Role.SHELTER_STAFF, actor=None)
    client = sign_in(world.owner, agency=world.police)
    client.post("/agency/", {"membership": world.owner.memberships.get(agency=world.union).pk})
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, actor=world.owner, agency=world.union).exists()
