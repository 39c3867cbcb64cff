"""Maintenance commands run under the workers' statement timeout, pages under the pages' one.

A migration that builds a rollup from a million cases, or seed_scale's foreign-key check, runs
for minutes: under the pages' 20 s timeout they were cancelled half-way (decision 300)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import manage

ROOT = Path(__file__).resolve().parents[2]
SHOW = "from django.conf import settings; print(settings.DATABASE_STATEMENT_TIMEOUT)"


def timeout_seen(*command: str, **env: str) -> int:
    environment = {k: v for k, v in os.environ.items() if "STATEMENT_TIMEOUT" not in k}
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, 900),
        ({"DATABASE_WORKER_STATEMENT_TIMEOUT": "1200"}, 1200),
        ({"DATABASE_STATEMENT_TIMEOUT": "7"}, 7),
    ],
)
def test_a_management_command_gets_the_workers_timeout_unless_told_otherwise(env, expected):
    assert timeout_seen("shell", "-c", SHOW, **env) == expected


def test_pages_keep_their_own_timeout():
    environ: dict[str, str] = {}
    manage.use_maintenance_timeout(["manage.py", "runserver"], environ)
    assert environ == {}
    manage.use_maintenance_timeout(["manage.py", "migrate"], environ)
    assert environ == {"DATABASE_STATEMENT_TIMEOUT": "900"}
