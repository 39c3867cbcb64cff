"""`manage.py relay_outbox`: the outbox relay in a process of its own (decision 240).

The beat's `messaging.tasks.relay_outbox` runs on the Celery worker, so a dead or stuck worker
also stopped the relay. This command publishes pending outbox rows to the broker itself
(`messaging.outbox.relay`), every `--every` seconds until SIGTERM or SIGINT, so stranded
dispatches reach Redis whether a worker is alive or not, and run as soon as one is. With
`--sweeps` it also runs the beat's periodic sweeps (overdue cases and referrals, expired bed
holds…) in this process on their own intervals, so deadlines are flagged without a worker.

Running beside the beat's relay is safe: a row is taken for a publication by a compare-and-set
(`messaging.outbox.claim`), and every sweep claims its work the same way (QUALITY R3)."""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, connections

from messaging import outbox

log = logging.getLogger("messaging.relay")

# The beat's own relay entries: this command is the relay, it does not run them as sweeps.
RELAY = "messaging.tasks.relay_outbox"
RELAY_TASKS = {RELAY, *(old for old, new in outbox.MOVED_TASKS.items() if new == RELAY)}


def _renew_connections(*, broken: bool = False) -> None:
    """Between passes: drop a connection that is too old or broken (a database restart), so the
    next pass connects afresh. Never inside a transaction (the command called from a test)."""
    if connection.in_atomic_block:
        return
    if broken:
        connections.close_all()
    else:
        close_old_connections()


def _positive(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError as error:
        raise CommandError(f"Not a number of seconds: {value!r}") from error
    if seconds <= 0:
        raise CommandError(f"Seconds must be more than 0: {value!r}")
    return seconds


class Command(BaseCommand):
    help = (
        "Publish pending outbox rows to the broker from this process, every --every seconds until "
        "stopped (SIGTERM, SIGINT); --once for a single pass. --sweeps also runs the beat's "
        "periodic sweeps here, so deadlines are flagged without a Celery worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=_positive, default=15.0, help="seconds between passes (15)")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--redeliver-after",
            type=_positive,
            default=None,
            help="seconds after which a published row not done is published again (CAUNOI_OUTBOX_REDELIVER_SECONDS)",
        )
        parser.add_argument("--sweeps", action="store_true", help="also run CELERY_BEAT_SCHEDULE's sweeps here")

    def handle(self, *args, every: float, once: bool, redeliver_after: float | None, sweeps: bool, **options):
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_frame: stop.set())
        schedule = self._sweeps() if sweeps else {}
        next_run = dict.fromkeys(schedule, 0.0)
        log.info("outbox relay started: every %ss, %s sweeps", every, len(schedule))
        while True:
            published = self._pass(redeliver_after)
            if once:
                self.stdout.write(f"published {published}")
            for name, (task, interval) in schedule.items():
                if stop.is_set():
                    break
                if time.monotonic() >= next_run[name]:
                    next_run[name] = time.monotonic() + interval
                    self._sweep(name, task)
            if once or stop.wait(every):
                break
        _renew_connections(broken=True)
        log.info("outbox relay stopped")

    def _pass(self, redeliver_after: float | None) -> int:
        _renew_connections()
        try:
            published = outbox.relay(redeliver_after=redeliver_after)
        except Exception:  # noqa: BLE001 — the database is down or restarting: next pass
            log.exception("outbox relay pass failed")
            _renew_connections(broken=True)
            return 0
        if published:
            log.info("outbox relay published %s", published)
        return published

    def _sweeps(self) -> dict:
        from celery import current_app as app

        app.loader.import_default_modules()
        found = {}
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            if entry["task"] in RELAY_TASKS:
                continue
            if entry["task"] not in app.tasks:
                raise CommandError(f"Beat entry {name}: unknown task {entry['task']}")
            found[name] = (app.tasks[entry["task"]], float(entry["schedule"]))
        return found

    def _sweep(self, name: str, task) -> None:
        _renew_connections()
        result = task.apply(throw=False)  # in this process; exceptions are kept in the result
        if result.failed():
            log.error("sweep %s failed: %r", name, result.result)
            _renew_connections(broken=True)
