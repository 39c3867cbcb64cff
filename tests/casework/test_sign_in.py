import time

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from casework import actions
from casework.middleware import SESSION_AUTH_AT_KEY, SESSION_MEMBERSHIP_KEY
from casework.models import AuditEvent, Role, User
from tests.fixtures.personas import PASSWORD, make_user, sign_in


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_signing_in_with_one_membership_activates_it_and_is_audited(world):
    client = Client()
    response = attempt(client, "owner", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/today/"
    assert client.session[SESSION_MEMBERSHIP_KEY] == world.owner.memberships.get().pk
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=world.owner).count() == 1


def test_a_wrong_password_is_refused_and_audited(world):
    response = attempt(Client(), "owner", "wrong")
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username="owner").count() == 1


def test_lockout_after_repeated_failures_is_keyed_on_username_and_ip(world):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(client, "owner", "wrong")
    locked = attempt(client, "owner", PASSWORD)
    assert locked.status_code == 429
    assert SESSION_MEMBERSHIP_KEY not in client.session
    # Another IP, or another user from the same IP, is not locked.
    assert attempt(Client(), "owner", PASSWORD, ip="10.0.0.2").status_code == 302
    assert attempt(Client(), "colleague", PASSWORD).status_code == 302


def test_lockout_expires(world):
    with time_machine.travel("2026-01-01 08:00 +0700", tick=False):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            attempt(Client(), "owner", "wrong")
        assert attempt(Client(), "owner", PASSWORD).status_code == 429
    with time_machine.travel(f"2026-01-01 08:{settings.LOGIN_LOCKOUT_MINUTES + 1:02d} +0700", tick=False):
        assert attempt(Client(), "owner", PASSWORD).status_code == 302


def test_the_next_parameter_cannot_redirect_off_site(world):
    response = Client().post(
        "/sign-in/?next=https://evil.example/", {"username": "owner", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response["Location"] == "/today/"


def test_session_expires_after_twelve_hours_even_when_active(world):
    client = sign_in(world.owner)
    session = client.session
    session[SESSION_AUTH_AT_KEY] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert client.get("/").status_code == 302


def test_idle_sessions_expire_after_thirty_minutes(world):
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    # Only user actions save (and so renew) the session; see tests/shelters/test_idle_timeout.py.
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    client = sign_in(world.owner)
    with time_machine.travel(time.time() + 31 * 60):
        assert client.get("/").status_code == 302


def test_several_memberships_choose_an_agency_and_can_switch(world):
    second = make_user("two.hats", world.police, Role.CASEWORKER)
    from casework import actions

    actions.do_add_membership(second, world.union, Role.SHELTER_STAFF, actor=None)
    client = Client()
    response = attempt(client, "two.hats", PASSWORD)
    assert response["Location"] == "/agency/"
    assert client.get("/").status_code == 302  # no active agency yet
    police_membership = second.memberships.get(agency=world.police)
    client.post("/agency/", {"membership": police_membership.pk})
    assert world.case.reference in client.get("/").content.decode()
    union_membership = second.memberships.get(agency=world.union)
    client.post("/agency/", {"membership": union_membership.pk})
    # Acting for the Women's Union, the police case is out of reach.
    assert world.case.reference not in client.get("/").content.decode()
    assert client.get(f"/cases/{world.case.public_id}/").status_code == 404


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_choosing_a_membership_that_is_not_yours_is_refused(world, value):
    other = world.outsider.memberships.get().pk
    client = sign_in(world.owner)
    assert client.post("/agency/", {"membership": value or other}).status_code == 400


def test_sign_out_is_a_post_and_is_audited(world):
    client = sign_in(world.owner)
    assert client.get("/sign-out/").status_code == 405
    assert client.post("/sign-out/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=world.owner).exists()
    assert client.get("/").status_code == 302


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


def test_the_agency_switch_is_audited(world):
    actions.do_add_membership(world.owner, world.union, Role.SHELTER_STAFF, actor=None)
    client = sign_in(world.owner, agency=world.police)
    client.post("/agency/", {"membership": world.owner.memberships.get(agency=world.union).pk})
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, actor=world.owner, agency=world.union).exists()


def test_a_password_with_spaces_at_its_ends_signs_in_as_it_was_set(world):
    """The password forms keep spaces; sign-in stripped them, so such a password could be set
    and never used (found mapping ASVS 2.1.3)."""
    world.owner.set_password("  hai con chim sẻ nhỏ  ")
    world.owner.save()
    assert attempt(Client(), "owner", "hai con chim sẻ nhỏ").status_code == 401
    assert attempt(Client(), "owner", "  hai con chim sẻ nhỏ  ").status_code == 302
