"""`manage.py relay_outbox`, the relay in a process of its own, and what keeps two relays from
publishing one row twice (decisions 240–241)."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from casework.models import Case, CaseEvent
from messaging import outbox
from messaging.models import OutboxMessage
from tests.messaging.test_outbox import MAIL_TASK, broker  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db


def stranded(**fields) -> OutboxMessage:
    """A row whose publish after commit never happened (the web process died, Redis was down)."""
    message = OutboxMessage.objects.create(task=MAIL_TASK, args=[5], **fields)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    return message


def test_two_relays_that_read_the_same_row_publish_it_once(world, broker):  # noqa: F811
    message = stranded()
    seen = message.attempts
    assert outbox.claim(message.pk, seen) is True
    assert outbox.claim(message.pk, seen) is False  # the other relay read the same count
    message.refresh_from_db()
    assert message.attempts == 1 and message.published_at is not None


def test_the_publish_after_commit_does_not_follow_a_relay_that_took_the_row(world, broker):  # noqa: F811
    message = stranded()
    assert outbox.relay() == 1
    assert outbox.publish(message.pk, attempts=0) is False
    assert broker.sent == [(MAIL_TASK, [5], {"outbox_id": message.pk})]


def test_a_relay_pass_stops_after_three_failures_in_a_row(world, broker):  # noqa: F811
    messages = [stranded() for _number in range(6)]
    broker.fail = True
    assert outbox.relay() == 0
    tried = OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).exclude(last_error="")
    assert tried.count() == outbox.GIVE_UP_PASS_AFTER
    # Never received by the broker: still unpublished, no attempt used up.
    assert not OutboxMessage.objects.filter(attempts__gt=0).exists()
    broker.fail = False
    assert outbox.relay() == 6


def test_the_command_publishes_stranded_rows_once(world, broker, capsys):  # noqa: F811
    message = stranded()
    call_command("relay_outbox", "--once")
    assert "published 1" in capsys.readouterr().out
    call_command("relay_outbox", "--once")  # published, not yet stale: left alone
    message.refresh_from_db()
    assert message.attempts == 1 and len(broker.sent) == 1


def test_the_command_runs_the_beats_sweeps_in_its_own_process(world, broker):  # noqa: F811
    Case.objects.filter(pk=world.case.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=5))
    call_command("relay_outbox", "--once", "--sweeps")
    world.case.refresh_from_db()
    assert world.case.is_overdue
    call_command("relay_outbox", "--once", "--sweeps")  # a second sweep flags nothing again
    assert CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.OVERDUE).count() == 1


@pytest.mark.parametrize("every", ["0", "-3", "soon"])
def test_a_bad_interval_is_a_clear_error(every):
    with pytest.raises(CommandError):
        call_command("relay_outbox", "--once", "--every", every)
