"""The services a run starts and reads: the bench databases, gunicorn, a Celery worker, Redis.

Every process started here runs in a session of its own and is stopped by its own id:
SIGTERM for a clean shutdown, SIGKILL of its process group only if that does not end it.
"""

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import redis

from bench.client import BenchError, Client
from bench.config import ROOT, Dataset, Settings

log = logging.getLogger("bench")

# Variables of the caller's shell that would change what the server runs against.
_CLEARED_PREFIXES = ("DJANGO_", "CAUNOI_", "CELERY_", "DATABASE_", "SQLITE_", "CACHE_URL")


def server_env(settings: Settings, dataset: Dataset, media_root: Path, *, broker: bool = True) -> dict[str, str]:
    """Production-like, allowed on plain http: CAUNOI_ENV=dev with DEBUG off.

    `production` would add only HTTPS-only cookies, the SSL redirect, HSTS and the hashed
    static manifest (which needs collectstatic): none of it is work the measured pages do.
    DEBUG off is what matters (DEBUG keeps every SQL statement in memory); dev mode keeps
    persistent database connections (CONN_MAX_AGE 60) like production.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith(_CLEARED_PREFIXES)}
    env.update(
        CAUNOI_ENV="dev",
        DJANGO_DEBUG="false",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=settings.database_url(dataset.database),
        # The Redis cache of dashboards/cache.py, in a database of the bench's own (ignored
        # by a checkout without it).
        CACHE_URL=settings.redis(settings.cache_db),
        CAUNOI_QUERY_COUNT="1",
        PRIVATE_MEDIA_ROOT=str(media_root),
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if broker:
        env["CELERY_BROKER_URL"] = settings.redis(settings.broker_db)
        env["CELERY_RESULT_BACKEND"] = settings.redis(settings.broker_db)
    return env


# ----- databases ------------------------------------------------------------------------


def connect(settings: Settings, database: str) -> psycopg.Connection:
    return psycopg.connect(settings.database_url(database), autocommit=True)


def database_exists(settings: Settings, database: str) -> bool:
    with connect(settings, "postgres") as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def is_seeded(settings: Settings, dataset: Dataset) -> bool:
    """The marker of a seeded database: its caseworker persona exists."""
    with connect(settings, dataset.database) as connection:
        try:
            row = connection.execute(
                "SELECT 1 FROM casework_user WHERE username = %s", [dataset.personas.caseworker]
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return False
    return row is not None


def manage(settings: Settings, dataset: Dataset, media_root: Path, *args: str) -> None:
    """`manage.py <args>` against the data set's database, tasks run in-process."""
    command = [sys.executable, "manage.py", *args]
    log.info("%s: %s", dataset.database, " ".join(args))
    subprocess.run(command, cwd=ROOT, env=server_env(settings, dataset, media_root, broker=False), check=True)  # noqa: S603


def ensure_dataset(settings: Settings, dataset: Dataset, media_root: Path) -> dict:
    """Create, migrate and seed the database if needed; say what was done."""
    done = {"created": False, "seeded": False}
    if not database_exists(settings, dataset.database):
        with connect(settings, "postgres") as connection:
            connection.execute(f'CREATE DATABASE "{dataset.database}"')
        done["created"] = True
    manage(settings, dataset, media_root, "migrate", "--noinput", "-v", "0")
    if not is_seeded(settings, dataset):
        started = time.monotonic()
        manage(settings, dataset, media_root, *dataset.seed_command)
        done["seeded"] = True
        done["seed_seconds"] = round(time.monotonic() - started, 1)
        if not is_seeded(settings, dataset):
            raise BenchError(f"{dataset.description} finished but {dataset.personas.caseworker} does not exist")
    # The rollup marks earlier writers left (an import whose fold task went to another broker,
    # the last run's P7): a deployment's beat folds them within a minute, and the bench runs
    # no beat. Unfolded, the dashboards count live and measure that instead (decision 307).
    started = time.monotonic()
    manage(settings, dataset, media_root, "recompute_rollups", "--marks")
    done["marks_folded_seconds"] = round(time.monotonic() - started, 1)
    return done


def last_audit_id(settings: Settings, dataset: Dataset) -> int | None:
    with connect(settings, dataset.database) as connection:
        return connection.execute("SELECT MAX(id) FROM casework_auditevent").fetchone()[0]


def audit_row_exists(settings: Settings, dataset: Dataset, row_id: int | None) -> bool:
    """Whether an audit row seen earlier is still there (the table refuses deletes; only
    emptying the database removes it)."""
    with connect(settings, dataset.database) as connection:
        found = connection.execute("SELECT 1 FROM casework_auditevent WHERE id = %s", [row_id]).fetchone()
    return row_id is not None and found is not None


def postgres_version(settings: Settings) -> str:
    with connect(settings, "postgres") as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


# ----- processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """A child process with a log file; stopped by its own pid."""

    def __init__(self, name: str, command: list[str], env: dict, log_path: Path):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 — our own fixed commands
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self, timeout: float = 30) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %s) did not stop in %ss; killing its process group", self.name, self.pid, timeout)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


@contextlib.contextmanager
def gunicorn(settings: Settings, env: dict, log_dir: Path, index: int = 0) -> Iterator[str]:
    """gunicorn with the configured workers on a free loopback port; yields its base URL.
    `index` numbers the instances of a run with several servers (its log file)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-w",
        str(settings.gunicorn_workers),
        *gunicorn_worker_class(settings),
        "-b",
        f"127.0.0.1:{port}",
        # Slow pages are measured, not killed; a stop drains requests for at most 10 s.
        "--timeout",
        "600",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
    ]
    name = "gunicorn" if index == 0 else f"gunicorn-{index + 1}"
    service = Service(name, command, env, log_dir / f"{name}.log")
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(service, base_url)
        yield base_url
    finally:
        service.stop()


def gunicorn_worker_class(settings: Settings) -> list[str]:
    """Sync workers (one request at a time, the connection closed after it), or gthread
    workers with that many threads each, which keep connections alive."""
    if settings.gunicorn_threads <= 1:
        return []
    return ["--worker-class", "gthread", "--threads", str(settings.gunicorn_threads)]


def _wait_until_healthy(service: Service, base_url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    probe = Client(base_url)
    while time.monotonic() < deadline:
        if not service.alive():
            raise BenchError(f"gunicorn exited with {service.process.returncode}:\n{service.log_tail()}")
        with contextlib.suppress(OSError):
            if probe.get("/healthz").status == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within {timeout}s:\n{service.log_tail()}")


@contextlib.contextmanager
def celery_worker(settings: Settings, env: dict, log_dir: Path, index: int = 0) -> Iterator[Service]:
    """A Celery worker on the bench's own broker database, emptied first (by the first worker
    of a run) so nothing queued against another database is run against this one."""
    if index == 0:
        redis.Redis.from_url(settings.redis(settings.broker_db)).flushdb()
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-l",
        "INFO",
        "-c",
        str(settings.celery_concurrency),
        "-n",
        f"bench-{os.getpid()}-{index}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    name = "celery" if index == 0 else f"celery-{index + 1}"
    service = Service(name, command, env, log_dir / f"{name}.log")
    try:
        _wait_for_log(service, " ready.", timeout=90)
        yield service
    finally:
        service.stop(timeout=60)


def _wait_for_log(service: Service, marker: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.alive():
            raise BenchError(f"{service.name} exited with {service.process.returncode}:\n{service.log_tail()}")
        if marker in service.log_path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise BenchError(f"{service.name} was not ready within {timeout}s:\n{service.log_tail()}")


def django_settings(env: dict, names: list[str]) -> dict:
    """Some settings as the server sees them (a subprocess with the server's environment)."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {names!r}}}, default=str))"
    )
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])
