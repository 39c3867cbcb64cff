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
    assert environ == {"DATABASE_STATEMENT_TIMEOUT": "900", "DATABASE_PARALLEL_WORKERS": "-1"}


PARALLEL = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"


@pytest.mark.parametrize(
    ("command", "env", "expected"),
    [
        # A page's connection starts no parallel worker (decision 305)...
        (["runserver"], {}, " -c max_parallel_workers_per_gather=0"),
        (["runserver"], {"DATABASE_PARALLEL_WORKERS": "2"}, " -c max_parallel_workers_per_gather=2"),
        # ... maintenance keeps PostgreSQL's own setting unless told otherwise.
        (["shell"], {}, ""),
        (["shell"], {"DATABASE_PARALLEL_WORKERS": "1"}, " -c max_parallel_workers_per_gather=1"),
    ],
)
def test_pages_start_no_parallel_workers_and_maintenance_keeps_postgres_setting(command, env, expected):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_PARALLEL", "DATABASE_STATEMENT"))}
    environment.update(env, DATABASE_URL="postgres://nobody@127.0.0.1:5432/unused")
    environ = {**environment, "DJANGO_SETTINGS_MODULE": "config.settings"}
    manage.use_maintenance_timeout(["manage.py", *command], environ)
    result = subprocess.run(
        [sys.executable, "-c", PARALLEL], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    options = result.stdout.strip().splitlines()[-1]
    assert options.endswith(
        "statement_timeout=" + str(int(environ.get("DATABASE_STATEMENT_TIMEOUT", "20")) * 1000) + expected
    )
