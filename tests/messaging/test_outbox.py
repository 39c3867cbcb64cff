"""The outbox (QUALITY R1) and messaging's Celery tasks, with the names they had before they
moved from referrals (decision 144)."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery_app import app
from messaging import outbox
from messaging.models import Notification, OutboxMessage
from messaging.notify import notify

pytestmark = pytest.mark.django_db

MAIL_TASK = "messaging.tasks.send_notification_email"


class Recorder:
    """Stands in for the broker: records which task each publication resolved to."""

    def __init__(self, fail: bool = False):
        self.sent: list[tuple[str, list, dict]] = []
        self.fail = fail

    def __call__(self, path: str):
        recorder = self

        class Task:
            def apply_async(self, args, kwargs):
                if recorder.fail:
                    raise ConnectionError("broker unreachable")
                recorder.sent.append((path, args, kwargs))

        return Task()


@pytest.fixture
def broker(world, monkeypatch):
    """The world's own rows (routing of its case, never published here) are cleared first."""
    OutboxMessage.objects.all().delete()
    recorder = Recorder()
    monkeypatch.setattr(outbox, "import_string", recorder)
    return recorder


def test_an_enqueued_task_is_a_row_published_after_commit(world, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(MAIL_TASK, 41)
        assert broker.sent == []
    assert broker.sent == [(MAIL_TASK, [41], {"outbox_id": message.pk})]
    message.refresh_from_db()
    assert message.published_at is not None and message.attempts == 1 and message.done_at is None
    outbox.mark_done(message.pk)
    message.refresh_from_db()
    assert message.done_at is not None
    assert outbox.publish(message.pk) is False  # done: never published again


def test_a_failed_publication_stays_pending_and_the_relay_republishes_it(world, broker):
    message = OutboxMessage.objects.create(task=MAIL_TASK, args=[7])
    broker.fail = True
    assert outbox.publish(message.pk) is False
    message.refresh_from_db()
    assert message.done_at is None and "unreachable" in message.last_error
    # Nothing reached the broker: not a publication, and the next pass takes the row again.
    assert message.published_at is None and message.attempts == 0
    broker.fail = False
    assert outbox.relay(timezone.now()) == 0  # written less than 2 s ago: its own publish may be under way
    assert outbox.relay(timezone.now() + datetime.timedelta(seconds=3)) == 1
    message.refresh_from_db()
    assert message.attempts == 1 and broker.sent == [(MAIL_TASK, [7], {"outbox_id": message.pk})]
    later = timezone.now() + datetime.timedelta(seconds=settings.CAUNOI_OUTBOX_REDELIVER_SECONDS + 1)
    assert outbox.relay(later) == 1  # published and not done: published again once stale
    message.refresh_from_db()
    assert message.attempts == 2


def test_the_relay_gives_up_after_bounded_attempts(world, broker):
    message = OutboxMessage.objects.create(task=MAIL_TASK, args=[1], attempts=outbox.MAX_ATTEMPTS)
    assert outbox.relay(timezone.now() + datetime.timedelta(hours=1)) == 0
    message.refresh_from_db()
    assert message.failed_at is not None and broker.sent == []


@pytest.mark.parametrize("old, new", sorted(outbox.MOVED_TASKS.items()))
def test_a_row_written_under_a_tasks_old_path_goes_to_the_moved_task(world, broker, old, new):
    message = OutboxMessage.objects.create(task=old, args=[3])
    assert outbox.publish(message.pk) is True
    assert broker.sent == [(new, [3], {"outbox_id": message.pk})]


# The tasks and their names ------------------------------------------------------------------------


def test_the_beat_relays_the_outbox_under_the_new_name():
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE["relay-outbox"]["task"] == "messaging.tasks.relay_outbox"
    for name in ["messaging.tasks.relay_outbox", MAIL_TASK, *outbox.MOVED_TASKS]:
        assert name in app.tasks, name


def test_a_message_queued_under_the_old_name_sends_the_mail_once(world, mailoutbox):
    from casework.models import User

    User.objects.filter(pk=world.supervisor.pk).update(email="supervisor@example.test")
    [notification] = notify(
        users=[world.supervisor],
        agency=world.police,
        kind=Notification.Kind.TASK_CREATED,
        params={"case": world.case.reference, "task": "child_collection", "due": ""},
        url="/today/",
        key="old-name",
    )
    message = OutboxMessage.objects.get(task=MAIL_TASK, args=[notification.pk])
    app.loader.import_default_modules()
    old = app.tasks["referrals.tasks.send_notification_email"]
    assert old.apply(args=[notification.pk], kwargs={"outbox_id": message.pk}).get() is True
    assert old.apply(args=[notification.pk], kwargs={"outbox_id": message.pk}).get() is False
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["supervisor@example.test"]
    message.refresh_from_db()
    assert message.done_at is not None
    assert app.tasks["referrals.tasks.relay_outbox"].apply().get() >= 0


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_both_names_of_the_relay():
    """A worker started from this code knows the tasks by their new and their old names, so a
    message queued before the move is not lost as an unknown task."""
    import time

    from tests.services import celery_worker

    stranded = OutboxMessage.objects.create(task="casework.tasks.flag_overdue_cases", args=[])
    with celery_worker() as queue:
        for name in ("messaging.tasks.relay_outbox", "referrals.tasks.relay_outbox"):
            # A row never published, as if its publish after commit had failed.
            OutboxMessage.objects.filter(pk=stranded.pk).update(
                published_at=None, attempts=0, created_at=timezone.now() - datetime.timedelta(minutes=1)
            )
            app.send_task(name, queue=queue)  # no result backend: the relay's effect is the proof
            deadline = time.monotonic() + 60
            while not OutboxMessage.objects.filter(pk=stranded.pk, attempts=1).exists():
                assert time.monotonic() < deadline, f"{name} did not relay the stranded row"
                time.sleep(0.2)


def test_after_the_broker_failed_publishes_leave_their_rows_to_the_relay_at_once(world, broker, monkeypatch):
    """A hung broker costs each publish its socket timeout; a save that enqueues several tasks
    waited for each (R4). After one failure the process's publishes after commit try nothing
    for a few seconds: the rows stay pending and the relay publishes them."""
    first, second, third = (OutboxMessage.objects.create(task=MAIL_TASK, args=[n]) for n in (1, 2, 3))
    tried = []
    broker.fail = True
    original = broker.__call__

    monkeypatch.setattr(outbox, "import_string", lambda path: tried.append(path) or original(path))
    assert outbox.publish(first.pk, attempts=0) is False
    assert outbox.publish(second.pk, attempts=0) is False
    assert outbox.publish(third.pk, attempts=0) is False
    assert len(tried) == 1  # only the first went to the broker
    assert OutboxMessage.objects.filter(published_at__isnull=True, done_at__isnull=True).count() == 3
    second.refresh_from_db()
    assert "left to the relay" in second.last_error  # why it waits, on the row
    broker.fail = False
    # The relay is not held back by the pause: it is how the rows get out.
    assert outbox.relay(timezone.now() + datetime.timedelta(seconds=3)) == 3
    assert sorted(args for _task, args, _kwargs in broker.sent) == [[1], [2], [3]]
    monkeypatch.setattr(outbox, "SKIP_SECONDS", 0)  # the pause is over
    fourth = OutboxMessage.objects.create(task=MAIL_TASK, args=[4])
    assert outbox.publish(fourth.pk, attempts=0) is True
