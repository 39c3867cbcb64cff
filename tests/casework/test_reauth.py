"""Re-authentication before exports and imports (decision 153): an old sign-in is asked for
the password (and the code, where enrolled) again, then returns to where it was going."""

import time

import pytest
import time_machine
from django.utils import timezone

from casework import twofactor
from casework.auth import SESSION_REAUTH_AT_KEY
from casework.lib import totp
from casework.middleware import SESSION_AUTH_AT_KEY
from casework.models import AuditEvent, TwoFactorDevice
from tests.fixtures.personas import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

SECRET = b"reauth-secret-bytes!"


def age_sign_in(client, seconds):
    session = client.session
    session[SESSION_AUTH_AT_KEY] = time.time() - seconds
    session.save()


def test_a_fresh_sign_in_exports_without_being_asked(world):
    client = sign_in(world.supervisor)
    assert client.get("/dashboards/exports/").status_code == 200


def test_an_old_sign_in_is_asked_for_the_password_and_comes_back(world, settings):
    client = sign_in(world.supervisor)
    age_sign_in(client, settings.CAUNOI_REAUTH_MINUTES * 60 + 5)
    response = client.get("/dashboards/exports/")
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=%2Fdashboards%2Fexports%2F"
    # Imports and downloads and the POST that starts an export are guarded too.
    assert client.get("/dashboards/imports/")["Location"].startswith("/account/confirm/")
    started = client.post(
        "/dashboards/exports/new/", {"kind": "cases", "format": "csv"}, HTTP_REFERER="http://testserver/dashboards/"
    )
    assert started["Location"] == "/account/confirm/?next=http%3A%2F%2Ftestserver%2Fdashboards%2F"
    htmx = client.post("/dashboards/exports/new/", {"kind": "cases"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith("/account/confirm/")

    wrong = client.post("/account/confirm/?next=/dashboards/exports/", {"password": "wrong"})
    assert wrong.status_code == 401
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, username="supervisor", detail__reauth=True
    ).exists()

    right = client.post("/account/confirm/", {"password": PASSWORD, "next": "/dashboards/exports/"})
    assert right.status_code == 302 and right["Location"] == "/dashboards/exports/"
    assert client.get("/dashboards/exports/").status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCOUNT, actor=world.supervisor, detail__event="reauthenticated"
    ).exists()
    # The absolute session limit still counts from the sign-in, not from the confirmation.
    assert client.session[SESSION_AUTH_AT_KEY] < client.session[SESSION_REAUTH_AT_KEY]


def test_an_enrolled_user_gives_the_code_too(world, settings):
    TwoFactorDevice.objects.create(
        user=world.supervisor, sealed_secret=twofactor.seal(SECRET), confirmed_at=timezone.now()
    )
    with time_machine.travel("2026-05-04 09:00:05 +0700", tick=False):
        client = sign_in(world.supervisor)
        age_sign_in(client, settings.CAUNOI_REAUTH_MINUTES * 60 + 5)
        assert client.post("/account/confirm/", {"password": PASSWORD, "next": "/"}).status_code == 200
        assert client.post("/account/confirm/", {"password": PASSWORD, "code": "000000"}).status_code == 401
        code = totp.code_for_step(SECRET, totp.step_at())
        response = client.post(
            "/account/confirm/", {"password": PASSWORD, "code": code, "next": "/dashboards/imports/"}
        )
        assert response.status_code == 302 and response["Location"] == "/dashboards/imports/"


def test_next_cannot_leave_the_site(world, settings):
    client = sign_in(world.supervisor)
    response = client.post("/account/confirm/", {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/today/"


def test_wrong_passwords_on_the_confirmation_lock_it_like_sign_in(world, settings):
    client = sign_in(world.supervisor)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert client.post("/account/confirm/", {"password": "wrong"}, REMOTE_ADDR="10.8.0.1").status_code == 401
    assert client.post("/account/confirm/", {"password": PASSWORD}, REMOTE_ADDR="10.8.0.1").status_code == 429
