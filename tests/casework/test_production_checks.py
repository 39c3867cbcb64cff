"""Issue 17: production refuses a weak secret key (caunoi.E001) and warns when TRUSTED_PROXIES
is unset (caunoi.W001)."""

import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.test import override_settings

from casework.checks import check_secret_key, check_trusted_proxies, refuse_weak_secret_key
from tests.casework.test_security import ROOT, production_env

STRONG = secrets.token_urlsafe(64)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x" * 50, "distinct characters"),
        ("ab" * 40, "distinct characters"),
        ("Tr0ub4dor&3-short", "fewer than 50"),
        ("django-insecure-" + secrets.token_urlsafe(48), "published"),
        ("dev-only-insecure-key-never-use-in-production-0123456789", "published"),
    ],
    # Stable ids: the random key would make each xdist worker collect a different test.
    ids=["one-character", "two-characters", "short", "django-insecure", "dev-default"],
)
def test_a_weak_secret_key_is_an_error_in_production(key, reason):
    with override_settings(PRODUCTION=True, SECRET_KEY=key, SECRET_KEY_FALLBACKS=[]):
        errors = check_secret_key()
    assert [error.id for error in errors] == ["caunoi.E001"]
    assert reason in errors[0].msg and "DJANGO_SECRET_KEY" in errors[0].msg


def test_a_weak_fallback_key_is_an_error_too():
    with override_settings(PRODUCTION=True, SECRET_KEY=STRONG, SECRET_KEY_FALLBACKS=["x" * 60]):
        errors = check_secret_key()
    assert [error.id for error in errors] == ["caunoi.E001"]
    assert "SECRET_KEY_FALLBACKS[0]" in errors[0].msg


@pytest.mark.parametrize(
    "key", [STRONG, get_random_secret_key(), secrets.token_hex(32)], ids=["urlsafe", "django", "hex"]
)
def test_generated_keys_pass(key):
    with override_settings(PRODUCTION=True, SECRET_KEY=key, SECRET_KEY_FALLBACKS=[]):
        assert check_secret_key() == []
        refuse_weak_secret_key()  # does not raise


def test_outside_production_the_key_is_not_checked():
    with override_settings(PRODUCTION=False, SECRET_KEY="x" * 50):
        assert check_secret_key() == []


def test_the_web_process_refuses_to_start_with_a_weak_key():
    with (
        override_settings(PRODUCTION=True, SECRET_KEY="x" * 50, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(ImproperlyConfigured, match="too weak"),
    ):
        refuse_weak_secret_key()


def test_manage_py_check_fails_on_a_weak_production_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(DJANGO_SECRET_KEY="x" * 50),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "caunoi.E001" in result.stderr and "too weak" in result.stderr


def test_production_warns_when_trusted_proxies_is_unset():
    with override_settings(PRODUCTION=True, TRUSTED_PROXIES=[]):
        warnings = check_trusted_proxies()
    assert [warning.id for warning in warnings] == ["caunoi.W001"]
    assert "TRUSTED_PROXIES" in warnings[0].msg
    with override_settings(PRODUCTION=True, TRUSTED_PROXIES=["10.0.0.2"]):
        assert check_trusted_proxies() == []
    with override_settings(PRODUCTION=False, TRUSTED_PROXIES=[]):
        assert check_trusted_proxies() == []


def test_a_proxy_header_without_trusted_proxies_is_logged_once_in_production(settings, caplog, monkeypatch):
    from django.test import RequestFactory

    from casework import middleware

    monkeypatch.setattr(middleware, "_forwarded_for_warned", False)
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    settings.PRODUCTION = False
    with caplog.at_level("WARNING", logger="caunoi.security"):
        assert middleware.client_ip(request) == "10.0.0.2"
    assert not caplog.records  # development and tests: silent
    settings.PRODUCTION = True
    with caplog.at_level("WARNING", logger="caunoi.security"):
        for _ in range(3):
            assert middleware.client_ip(request) == "10.0.0.2"  # the header is still not believed
    warnings = [record for record in caplog.records if "TRUSTED_PROXIES is unset" in record.getMessage()]
    assert len(warnings) == 1 and "10.0.0.2" in warnings[0].getMessage()
