"""The fictional-data app is installed for development and tests only: a production deployment
has neither `seed_demo` nor `seed_scale` (whose `--reset` empties every operational table), and
its system checks pass without it (decision 140)."""

import json
import subprocess
import sys

from django.apps import apps
from django.conf import settings
from django.core.management import get_commands

from tests.casework.test_security import ROOT, production_env

PROBE = """
import json
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
print(json.dumps({
    "installed": "devdata" in settings.INSTALLED_APPS or apps.is_installed("devdata"),
    "commands": sorted(name for name in ("seed_demo", "seed_scale") if name in get_commands()),
}))
"""


def _production(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "error", *args],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_does_not_install_devdata_or_its_commands():
    result = _production("-c", PROBE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {"installed": False, "commands": []}


def test_production_checks_pass_without_devdata():
    for command in (["check"], ["check", "--deploy", "--fail-level", "WARNING"]):
        result = _production("manage.py", *command)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout


def test_the_reset_cannot_be_run_in_production():
    result = _production("manage.py", "seed_scale", "--victims", "10", "--reset")
    assert result.returncode != 0
    assert "Unknown command: 'seed_scale'" in result.stderr


def test_development_and_tests_have_devdata():
    assert settings.ENVIRONMENT == "test"
    assert apps.is_installed("devdata")
    assert get_commands()["seed_demo"] == "devdata" and get_commands()["seed_scale"] == "devdata"
