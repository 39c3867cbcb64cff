"""Which real services this test run has. Under CI=true a missing one is a failure."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def redis_available() -> bool:
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url.startswith("redis") and _answers(url, 6379)


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


def missing_for(markers: set[str]) -> list[str]:
    missing = []
    if "postgres" in markers and not postgres_available():
        missing.append("PostgreSQL (DATABASE_URL)")
    if markers & {"redis", "celery_worker"} and not redis_available():
        missing.append("Redis (CELERY_BROKER_URL)")
    if "browser" in markers and not chromium_available():
        missing.append(f"Chromium ({CHROMIUM})")
    return missing


def worker_env(**overrides: str) -> dict[str, str]:
    """Environment for a `celery worker` subprocess that uses this test's database."""
    from django.db import connection

    database = connection.settings_dict
    return {
        **os.environ,
        "CAUNOI_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        **overrides,
    }


@contextlib.contextmanager
def celery_worker(**env: str):
    """Run `celery worker` on a queue of its own, pointed at this test's database; yields the
    queue's name and stops the worker afterwards."""
    queue = f"caunoi-test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-P", "solo", "-l", "WARNING"],
        cwd=ROOT,
        env=worker_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
