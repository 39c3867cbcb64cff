"""Celery tasks of messaging: the outbox relay and the notification e-mail. Both are
acknowledged only after they finished (`acks_late`, `reject_on_worker_lost`) and are
idempotent (QUALITY R1, R2).

Until decision 144 they were `referrals.tasks.relay_outbox` and
`referrals.tasks.send_notification_email`. Messages queued in the broker and beat entries
written before the move carry those names, so each task is registered under its old name too
(the outbox maps rows written under the old paths, `messaging.outbox.MOVED_TASKS`)."""

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from messaging import notify, outbox
from messaging.models import Notification

RELAY = {"acks_late": True, "reject_on_worker_lost": True}
MAIL = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(**RELAY)
def relay_outbox() -> int:
    """Periodic: publish outbox rows the broker lost or never got."""
    return outbox.relay()


@shared_task(**MAIL)
def send_notification_email(notification_id: int, outbox_id: int | None = None) -> bool:
    """E-mail one notification. Asynchronous so that a slow or unreachable mail server never
    holds up a page or the beat tick. At most once: the claim is a compare-and-set on
    `emailed_at`, so a redelivered message sends nothing twice (QUALITY R2); a failed send
    gives the claim back and retries, boundedly."""
    return _email_once(notification_id, outbox_id)


@shared_task(name="referrals.tasks.relay_outbox", **RELAY)
def relay_outbox_by_old_name() -> int:
    """`relay_outbox` under its name before decision 144."""
    return outbox.relay()


@shared_task(name="referrals.tasks.send_notification_email", **MAIL)
def send_notification_email_by_old_name(notification_id: int, outbox_id: int | None = None) -> bool:
    """`send_notification_email` under its name before decision 144."""
    return _email_once(notification_id, outbox_id)


def _email_once(notification_id: int, outbox_id: int | None) -> bool:
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=claimed_at)
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if not claimed or notification is None or not notification.recipient.email:
        outbox.mark_done(outbox_id)
        return False
    try:
        notify.email_notification(notification)
    except Exception:
        Notification.objects.filter(pk=notification_id, emailed_at=claimed_at).update(emailed_at=None)
        raise
    outbox.mark_done(outbox_id)
    return True
