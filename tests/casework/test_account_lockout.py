"""Lockout per account as well: guesses spread over many addresses are throttled per account,
with a cool-down that grows but is capped, next to the per-address lockout."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from casework import audit
from casework.models import AuditEvent
from casework.views.auth import ACCOUNT_LOCK, account_cooldown
from tests.fixtures.personas import PASSWORD

pytestmark = pytest.mark.django_db

START = "2026-03-02 08:00 +0700"


def attempt(username, password, ip):
    return Client().post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def failures(**filters):
    return AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username="owner", **filters)


def test_twenty_addresses_guessing_one_account_are_refused_after_the_account_limit(world):
    assert settings.LOGIN_ACCOUNT_FAILURE_LIMIT == 10
    with time_machine.travel(START, tick=False) as traveller:
        statuses = [
            attempt("owner", "wrong", f"10.1.{address}.1").status_code for address in range(20) for _ in range(5)
        ]
        # Two addresses' guesses were checked; the other 90 were refused unchecked.
        assert statuses == [401] * 10 + [429] * 90
        assert failures().exclude(detail__has_key="locked").count() == 10
        assert failures(detail__throttle=ACCOUNT_LOCK).count() == 90

        # The right password during the cool-down is refused too, and says why and until when.
        refused = attempt("owner", PASSWORD, "10.2.0.1")
        assert refused.status_code == 429 and refused["Retry-After"] == "60"
        page = refused.content.decode()
        assert "tài khoản này" in page and "08:01" in page
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, username="owner").exists()

        traveller.shift(61)
        assert attempt("owner", PASSWORD, "10.2.0.1").status_code == 302
        # A success starts the count again.
        assert account_cooldown("owner", "10.2.0.2") == 0


def test_the_cool_down_doubles_per_further_failure_and_is_capped(world):
    with time_machine.travel(START, tick=False) as traveller:
        for address in range(10):
            attempt("owner", "wrong", f"10.1.{address}.1")
        assert account_cooldown("owner", "10.9.9.9") == 60
        traveller.shift(61)
        assert attempt("owner", "wrong", "10.1.99.1").status_code == 401
        assert account_cooldown("owner", "10.9.9.9") == 120
        # However many guesses are made, the account waits at most the cap.
        for _ in range(40):
            audit.record(AuditEvent.Action.LOGIN_FAILED, username="owner")
        cap = settings.LOGIN_ACCOUNT_COOLDOWN_MAX_MINUTES * 60
        assert account_cooldown("owner", "10.9.9.9") == cap == 15 * 60
        # Refused attempts do not lengthen it.
        for _ in range(10):
            assert attempt("owner", "wrong", "10.1.100.1").status_code == 429
        assert account_cooldown("owner", "10.9.9.9") == cap
        traveller.shift(cap + 1)
        assert attempt("owner", PASSWORD, "10.9.9.9").status_code == 302


def test_the_users_own_address_is_not_held_up_by_guesses_from_elsewhere(world):
    with time_machine.travel(START, tick=False) as traveller:
        assert attempt("owner", PASSWORD, "10.5.5.5").status_code == 302
        traveller.shift(datetime.timedelta(days=1))
        for address in range(10):
            attempt("owner", "wrong", f"10.1.{address}.1")
        assert attempt("owner", PASSWORD, "10.6.6.6").status_code == 429
        assert attempt("owner", PASSWORD, "10.5.5.5").status_code == 302


def test_one_address_guessing_many_accounts_is_locked_out(world):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    with time_machine.travel(START, tick=False) as traveller:
        for number in range(limit):
            assert attempt(f"someone{number}", "wrong", "10.7.7.7").status_code == 401
        locked = attempt("owner", PASSWORD, "10.7.7.7")
        assert locked.status_code == 429
        assert failures(detail__locked=True, ip="10.7.7.7").exclude(detail__has_key="throttle").count() == 1
        # Other addresses are not affected, and the lockout expires.
        assert attempt("colleague", PASSWORD, "10.7.7.8").status_code == 302
        traveller.shift(settings.LOGIN_LOCKOUT_MINUTES * 60 + 1)
        assert attempt("owner", PASSWORD, "10.7.7.7").status_code == 302
