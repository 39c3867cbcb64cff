"""Tasks run by a real Celery worker process over Redis, against the test database."""

import datetime

import pytest
from django.utils import timezone

from casework.models import Case, CaseEvent
from casework.tasks import flag_overdue_cases
from tests.services import celery_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue(world):
    """A `celery worker` on a queue of its own, pointed at this test's database."""
    with celery_worker() as queue:
        yield queue


def test_a_real_worker_flags_overdue_cases_once_even_when_the_task_runs_twice(world, worker_queue):
    Case.objects.filter(pk=world.case.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=5))
    first = flag_overdue_cases.apply_async(queue=worker_queue)
    assert first.get(timeout=60) == 1
    second = flag_overdue_cases.apply_async(queue=worker_queue)
    assert second.get(timeout=60) == 0
    world.case.refresh_from_db()
    assert world.case.is_overdue
    assert CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.OVERDUE).count() == 1


def test_tasks_are_sent_to_the_broker_not_run_in_process(settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_beat_schedule_runs_the_overdue_check_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["flag-overdue-cases"]
    assert entry["task"] == "casework.tasks.flag_overdue_cases"
    assert entry["schedule"] <= 60
    # A task that is due again before the last one finished must not double-flag: the
    # compare-and-set in do_flag_overdue_cases guarantees that (tested above).
