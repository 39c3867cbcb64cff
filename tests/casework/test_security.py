import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from casework.middleware import client_ip
from tests.fixtures.personas import sign_in

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        {
            "CAUNOI_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "caunoi.example.vn",
            "TRUSTED_PROXIES": "127.0.0.1",  # gunicorn behind a local proxy (docs/deploy.md)
            **extra,
        }
    )
    return env


def test_deploy_check_reports_nothing_in_production_mode():
    """QUALITY S1."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("path", ["/sign-in/", "/healthz"])
def test_every_response_carries_the_security_headers(db, path):
    """QUALITY S2: CSP without inline scripts, nosniff, frame-ancestors, referrer policy."""
    response = Client().get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_case_pages_are_never_cached(world):
    response = sign_in(world.owner).get(f"/cases/{world.case.public_id}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_hsts_is_sent_when_configured(db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = Client().get("/sign-in/")
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_have_no_inline_scripts_or_styles(world):
    html = sign_in(world.owner).get(f"/cases/{world.case.public_id}/").content.decode()
    assert "<script>" not in html and "<script type" not in html
    assert " style=" not in html and "<style" not in html
    assert " onclick=" not in html and " hx-on" not in html


def test_healthz_reports_database_and_broker(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] in {"ok", "eager"}


def test_healthz_is_503_when_the_database_is_down(db):
    with mock.patch("config.views._database_ok", return_value=False):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_a_database_outage_gives_a_plain_503_page(world):
    client = sign_in(world.owner)
    client.raise_request_exception = False
    with mock.patch("casework.case_filters.visible_cases", side_effect=OperationalError("connection refused")):
        response = client.get("/")
    assert response.status_code == 503
    assert b"Traceback" not in response.content
    assert response["Retry-After"] == "30"


def test_a_database_outage_before_the_view_is_a_503_too(world):
    client = sign_in(world.owner)
    client.raise_request_exception = False
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load", side_effect=OperationalError("server closed")
    ):
        response = client.get("/")
    assert response.status_code == 503
    assert b"Traceback" not in response.content


def test_dev_settings_refuse_public_host_names():
    env = production_env(CAUNOI_ENV="dev")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "CAUNOI_ENV=production" in result.stderr


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
