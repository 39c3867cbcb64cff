"""Dispatching tasks through the outbox (QUALITY R1; see models/outbox.py). Any app dispatches
its tasks here: `enqueue("app.tasks.name", *ids)`.

`enqueue` writes the row inside the caller's transaction and publishes it after commit;
`relay` republishes rows that were never published (broker down) or never finished (worker
killed, Redis restarted and the message lost). Tasks call `mark_done` in the transaction of
their effect, so a redelivered message finds its work done and does nothing."""

import datetime
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from messaging.models import OutboxMessage

log = logging.getLogger(__name__)

# After this many publications without the task finishing, a row is marked failed and
# logged for an operator (bounded retries).
MAX_ATTEMPTS = 10
# Rows written before the tasks moved to messaging (decision 144) name them by their old
# paths; they are dispatched to the same tasks under the new ones.
MOVED_TASKS = {
    "referrals.tasks.send_notification_email": "messaging.tasks.send_notification_email",
    "referrals.tasks.relay_outbox": "messaging.tasks.relay_outbox",
}


def enqueue(task: str, *args) -> OutboxMessage:
    """Write the dispatch in the current transaction; publish once it commits."""
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(partial(publish, message.pk))
    return message


def publish(message_id: int) -> bool:
    """Hand one row to the broker (or run it, when Celery is eager). Never raises: a row that
    could not be published stays pending for the relay."""
    message = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True, failed_at__isnull=True).first()
    if message is None:
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(published_at=timezone.now(), attempts=F("attempts") + 1)
    try:
        dispatch(message.task, [*message.args], {"outbox_id": message.pk})
    except Exception as error:  # broker down, or an eager task failing: the relay retries
        log.warning("outbox %s: %s not dispatched: %s", message.pk, message.task, error)
        OutboxMessage.objects.filter(pk=message.pk).update(last_error=str(error)[:2000])
        return False
    return True


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
    published = 0
    for message_id, attempts, task in pending.order_by("created_at").values_list("pk", "attempts", "task")[:1000]:
        if attempts >= MAX_ATTEMPTS:
            OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(failed_at=now)
            log.error("outbox %s: %s gave up after %s attempts", message_id, task, attempts)
            continue
        published += publish(message_id)
    return published
