"""Which real services this test run has. Under CI=true a missing one is a failure."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import redis

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server on a port of its own, without persistence."""

    def __init__(self):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _attempt in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class Worker:
    """`celery worker` over the given broker with the given options, against the test database;
    its output goes to var/log/test-worker.log."""

    def __init__(self, broker_url: str, *options: str):
        self.env = worker_env(CELERY_BROKER_URL=broker_url)
        self.options = list(options)
        self.process = None
        self.kills = 0
        log_dir = ROOT / "var" / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / "test-worker.log", "a")  # noqa: SIM115 - closed in stop()

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "WARNING",
                *self.options,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def wait_for(condition, *, timeout: float) -> bool:
    """Poll `condition` every 0.2 s until it holds or `timeout` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()
