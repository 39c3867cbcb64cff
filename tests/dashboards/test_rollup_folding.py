"""Who folds which rollup marks (decision 307): a save folds its own after its commit and
never another change's (an import elsewhere may have left hundreds); the fold task folds
everything left, every minute and after a bulk import, and the rollups stay exact."""

import datetime

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from casework.models import Case, CaseStatus
from config.celery_app import app
from dashboards import rollups, tasks
from dashboards.models import RollupMark
from messaging.models import OutboxMessage
from tests.dashboards.test_rollups import assert_rollups_match_live, change_everything, spread, table  # noqa: F401

D = datetime.date


def test_a_save_folds_its_own_marks_and_leaves_another_changes(
    spread,  # noqa: F811 — the fixture imported above
    settings,
    django_capture_on_commit_callbacks,
):
    # Ids this thread wrote in earlier tests' rolled-back transactions: SQLite gives them out
    # again, so one could name the mark below (harmless in use: folding is never wrong).
    rollups._take_written()
    # Another change (an import in a worker, say) marked a month and has not folded it yet.
    other = RollupMark.objects.create(province_id=spread.police.province_id, month=D(2025, 2, 1))
    case = Case.objects.get(pk=spread.cases[0].pk)
    case.status = CaseStatus.CLOSED
    with django_capture_on_commit_callbacks(execute=True):
        case.save()
    assert list(RollupMark.objects.values_list("pk", flat=True)) == [other.pk]
    assert_rollups_match_live(spread, settings)


def test_the_fold_task_folds_every_mark_left_and_finishes_its_outbox_row(spread, settings):  # noqa: F811
    change_everything(spread)
    assert RollupMark.objects.count() > 0
    row = OutboxMessage.objects.create(task=rollups.FOLD_TASK, args=[])

    assert tasks.fold_rollups(outbox_id=row.pk) > 0

    assert not RollupMark.objects.exists()
    row.refresh_from_db()
    assert row.done_at is not None
    assert_rollups_match_live(spread, settings)
    folded = table()
    call_command("recompute_rollups")
    assert table() == folded


def test_a_province_with_many_marked_months_is_rebuilt_over_their_span(spread, settings):  # noqa: F811
    months = [D(2025, month, 1) for month in range(1, rollups.FEW_MONTHS + 3)]
    RollupMark.objects.bulk_create(RollupMark(province_id=spread.police.province_id, month=month) for month in months)
    assert rollups.fold_marks() == 1
    assert not RollupMark.objects.exists()
    assert_rollups_match_live(spread, settings)


def test_the_beat_and_the_relay_run_the_fold_every_minute():
    entry = django_settings.CELERY_BEAT_SCHEDULE["fold-rollups"]
    assert entry == {"task": rollups.FOLD_TASK, "schedule": 60.0}
    assert rollups.FOLD_TASK in app.tasks


@pytest.mark.postgres
def test_a_fold_while_another_runs_does_nothing_and_the_next_one_folds(spread):  # noqa: F811
    change_everything(spread)
    marks = RollupMark.objects.count()
    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"], host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"], autocommit=True
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [rollups.FOLD_LOCK])
        assert tasks.fold_rollups() == 0
        assert RollupMark.objects.count() == marks
        other.execute("SELECT pg_advisory_unlock(%s)", [rollups.FOLD_LOCK])
    finally:
        other.close()
    assert tasks.fold_rollups() > 0
    assert not RollupMark.objects.exists()
