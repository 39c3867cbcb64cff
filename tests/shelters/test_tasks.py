"""The periodic shelter and follow-up tasks are scheduled, registered, and do their work."""

import datetime

import pytest
from django.conf import settings

from config.celery_app import app
from shelters.models import Bed, Placement
from shelters.tasks import release_expired_holds
from tests.fixtures.shelters import new_case, place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "entry, task",
    [
        ("release-expired-holds", "shelters.tasks.release_expired_holds"),
        ("remind-followups", "referrals.tasks.remind_followups"),
    ],
)
def test_beat_runs_the_shelter_tasks(entry, task):
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] == task
    assert task in app.tasks


def test_the_hold_release_task_frees_an_expired_hold_once(shelter_world, time_machine):
    w = shelter_world
    placement = place(new_case(w.social, w.social_worker), w)
    time_machine.move_to(placement.hold_until + datetime.timedelta(minutes=1))
    assert release_expired_holds.apply().get() == 1
    assert release_expired_holds.apply().get() == 0
    assert Bed.objects.get(pk=placement.bed_id).held_for_id is None
    assert Placement.objects.get(pk=placement.pk).hold_released_at is not None
