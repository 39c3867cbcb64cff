"""Dispatching tasks through the outbox (QUALITY R1; see models/outbox.py). Any app dispatches
its tasks here: `enqueue("app.tasks.name", *ids)`.

`enqueue` writes the row inside the caller's transaction and publishes it after commit;
`relay` republishes rows that were never published (broker down) or never finished (worker
killed, Redis restarted and the message lost). Tasks call `mark_done` in the transaction of
their effect, so a redelivered message finds its work done and does nothing."""

import datetime
import logging
from functools import partial

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as KombuOperationalError

from config.circuit import Breaker
from messaging.models import OutboxMessage

log = logging.getLogger(__name__)

# What a publish raises when the broker cannot be reached or does not answer.
UNREACHABLE = (OSError, KombuOperationalError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

# After this many publications without the task finishing, a row is marked failed and logged
# for an operator (bounded retries). A publish that never reached the broker does not count.
MAX_ATTEMPTS = 10
# After a publish found the broker unreachable or hung, this process's publishes after commit
# leave their rows to the relay for this long instead of each waiting for the broker's
# timeouts: a registration that enqueues several tasks waited for each (R4).
SKIP_SECONDS = 10.0
broker_breaker = Breaker(lambda: SKIP_SECONDS, "publish")
# A relay pass stops after this many failed publications in a row (the broker is down: each
# try waits for the connect timeout), rather than spending a timeout on every pending row.
GIVE_UP_PASS_AFTER = 3
# Rows written before the tasks moved to messaging (decision 144) name them by their old
# paths; they are dispatched to the same tasks under the new ones.
MOVED_TASKS = {
    "referrals.tasks.send_notification_email": "messaging.tasks.send_notification_email",
    "referrals.tasks.relay_outbox": "messaging.tasks.relay_outbox",
}


def enqueue(task: str, *args) -> OutboxMessage:
    """Write the dispatch in the current transaction; publish once it commits."""
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(partial(publish, message.pk, attempts=0))
    return message


def publish(message_id: int, *, attempts: int | None = None) -> bool:
    """Hand one row to the broker (or run it, when Celery is eager). Never raises: a row that
    could not be published stays pending for the relay. With `attempts`, only if the row still
    has that many (the count its caller saw): the publish after commit passes 0, so a relay that
    took the row in between is not followed by a second publication. While the broker failed
    less than SKIP_SECONDS ago, the row is left to the relay untried."""
    if broker_breaker.open:
        # Said on the row, as a failed publication would be: an operator sees why it waits.
        OutboxMessage.objects.filter(pk=message_id, published_at__isnull=True, done_at__isnull=True).update(
            last_error=f"not published: the broker failed less than {SKIP_SECONDS:g} s ago; left to the relay"
        )
        return False
    return _publish(message_id, attempts) == SENT


SENT, SKIPPED, FAILED = "sent", "skipped", "failed"


def _publish(message_id: int, attempts: int | None = None) -> str:
    message = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True, failed_at__isnull=True).first()
    if message is None or not claim(message.pk, message.attempts if attempts is None else attempts):
        return SKIPPED  # done, given up, or taken by another relay at this moment
    try:
        dispatch(message.task, [*message.args], {"outbox_id": message.pk})
    except Exception as error:  # broker down, or an eager task failing: the relay retries
        log.warning("outbox %s: %s not dispatched: %s", message.pk, message.task, error)
        update: dict = {"last_error": str(error)[:2000]}
        if isinstance(error, UNREACHABLE):
            broker_breaker.trip()
            # Nothing reached the broker: not a publication. The next relay pass takes the row
            # again (not only after CAUNOI_OUTBOX_REDELIVER_SECONDS), and an outage of any
            # length does not use up its MAX_ATTEMPTS.
            update.update(published_at=None, attempts=F("attempts") - 1)
        OutboxMessage.objects.filter(pk=message.pk).update(**update)
        return FAILED
    return SENT


def claim(message_id: int, attempts: int) -> bool:
    """Take the row for one publication: a compare-and-set on `attempts`, so of two relays (the
    beat's task and `manage.py relay_outbox`, or a relay and the publish after commit) that read
    the same pending row at the same moment, one publishes it and the other skips it."""
    return bool(
        OutboxMessage.objects.filter(
            pk=message_id, attempts=attempts, done_at__isnull=True, failed_at__isnull=True
        ).update(published_at=timezone.now(), attempts=F("attempts") + 1)
    )


def dispatch(task: str, args: list, kwargs: dict) -> None:
    """Send to the broker, or run in-process when Celery is eager."""
    import_string(MOVED_TASKS.get(task, task)).apply_async(args=args, kwargs=kwargs)


def mark_done(message_id: int | None) -> None:
    if message_id is not None:
        OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(done_at=timezone.now())


def relay(now: datetime.datetime | None = None, *, redeliver_after: float | None = None) -> int:
    """Republish what is pending: never published, or published longer ago than
    `redeliver_after` seconds without finishing. Returns how many rows were published."""
    now = now or timezone.now()
    if redeliver_after is None:
        redeliver_after = settings.CAUNOI_OUTBOX_REDELIVER_SECONDS
    stale = now - datetime.timedelta(seconds=redeliver_after)
    pending = OutboxMessage.objects.filter(done_at__isnull=True, failed_at__isnull=True).filter(
        Q(published_at__isnull=True, created_at__lte=now - datetime.timedelta(seconds=2)) | Q(published_at__lte=stale)
    )
    published = failed_in_a_row = 0
    for message_id, attempts, task in pending.order_by("created_at").values_list("pk", "attempts", "task")[:1000]:
        if attempts >= MAX_ATTEMPTS:
            OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(failed_at=now)
            log.error("outbox %s: %s gave up after %s attempts", message_id, task, attempts)
            continue
        outcome = _publish(message_id, attempts)
        published += outcome == SENT
        # Failing again and again is the broker being down, and each try waits for its connect
        # timeout: the pass ends here and the next one tries again.
        failed_in_a_row = failed_in_a_row + 1 if outcome == FAILED else 0
        if failed_in_a_row >= GIVE_UP_PASS_AFTER:
            log.warning("outbox relay: %s publications failed in a row; the rest waits", failed_in_a_row)
            break
    return published
