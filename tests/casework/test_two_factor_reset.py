"""An agency administrator resets a colleague's second factor (decision 152): only colleagues
of the agency she acts for, audited; the colleague enrols again at the next sign-in."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from casework import twofactor
from casework.models import AuditEvent, RecoveryCode, Role, TwoFactorDevice, User
from tests.fixtures.personas import PASSWORD, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mail_now(monkeypatch):
    """Account e-mails are sent at once, in this process: the test's transaction never commits
    and CI configures a broker no worker reads here."""
    from casework import account_tasks

    monkeypatch.setattr(account_tasks, "dispatch", lambda task, *args: task.apply(args))


def enrol(user):
    TwoFactorDevice.objects.create(user=user, sealed_secret=twofactor.seal(b"x" * 20), confirmed_at=timezone.now())
    twofactor.replace_recovery_codes(user)


def reset_url(user) -> str:
    return f"/account/colleagues/{user.pk}/two-factor/reset/"


@pytest.fixture
def admins(world):
    return make_user("police.admin", world.police, Role.AGENCY_ADMIN), make_user(
        "union.admin", world.union, Role.AGENCY_ADMIN
    )


def test_an_agency_admin_resets_a_colleagues_second_factor(world, admins, settings):
    police_admin, _union_admin = admins
    world.owner.email = "owner@example.org"
    world.owner.save()
    enrol(world.owner)
    client = sign_in(police_admin)
    page = client.get("/account/colleagues/")
    assert page.status_code == 200 and reset_url(world.owner) in page.content.decode()

    response = client.post(reset_url(world.owner))
    assert response.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=world.owner).exists()
    assert not RecoveryCode.objects.filter(user=world.owner).exists()
    row = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT, detail__event="two_factor_reset")
    assert row.actor == police_admin and row.object_id == str(world.owner.pk) and row.agency == world.police
    # The colleague is told, with nothing about cases in the text.
    assert [message.to for message in mail.outbox] == [["owner@example.org"]]

    # Next sign-in: enrolment, when the second factor is required.
    settings.CAUNOI_REQUIRE_2FA = True
    again = Client().post("/sign-in/", {"username": "owner", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert again["Location"] == "/sign-in/enrol/"


def test_an_admin_of_another_agency_gets_404_and_nothing_changes(world, admins):
    _police_admin, union_admin = admins
    enrol(world.owner)
    client = sign_in(union_admin)
    assert client.post(reset_url(world.owner)).status_code == 404
    assert client.post("/account/colleagues/99999999999999999999/two-factor/reset/").status_code == 404
    assert client.post("/account/colleagues/abc/two-factor/reset/").status_code == 404
    assert TwoFactorDevice.objects.filter(user=world.owner).exists()
    page = client.get("/account/colleagues/").content.decode()
    assert 'data-testid="colleague-owner"' not in page and ">owner<" not in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT).exists()


def test_a_caseworker_cannot_reset_anyone(world):
    enrol(world.colleague)
    client = sign_in(world.owner)
    assert client.get("/account/colleagues/").status_code == 403
    assert client.post(reset_url(world.colleague)).status_code == 403
    assert TwoFactorDevice.objects.filter(user=world.colleague).exists()


def test_an_admin_cannot_reset_her_own(world, admins):
    police_admin, _ = admins
    enrol(police_admin)
    client = sign_in(police_admin)
    client.post(reset_url(police_admin))
    assert TwoFactorDevice.objects.filter(user=police_admin).exists()


def test_the_reset_asks_for_the_password_again_when_the_sign_in_is_old(world, admins, settings):
    police_admin, _ = admins
    enrol(world.owner)
    client = sign_in(police_admin)
    session = client.session
    session["authenticated_at"] -= settings.CAUNOI_REAUTH_MINUTES * 60 + 1
    session.save()
    response = client.post(reset_url(world.owner), HTTP_REFERER="http://testserver/account/colleagues/")
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=http%3A%2F%2Ftestserver%2Faccount%2Fcolleagues%2F"
    assert TwoFactorDevice.objects.filter(user=world.owner).exists()


def test_the_platform_superuser_resets_through_the_admin_with_an_audit_row(world):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    enrol(world.owner)
    client = sign_in(root)
    response = client.post(
        "/admin/casework/user/",
        {"action": "reset_two_factor", "_selected_action": [world.owner.pk]},
    )
    assert response.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=world.owner).exists()
    row = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT, detail__event="two_factor_reset")
    assert row.actor == root and row.object_id == str(world.owner.pk)
