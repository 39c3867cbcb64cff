"""The dashboards' background work: folding rollup marks (decision 307).

The export and import tasks also carry `dashboards.tasks.*` names, for messages queued before
the exchange app was split out; they live in `exchange/tasks.py`."""

from celery import shared_task
from django.db import DatabaseError

from dashboards import rollups
from messaging import outbox


@shared_task(
    name=rollups.FOLD_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def fold_rollups(outbox_id: int | None = None) -> int:
    """Fold every rollup mark in: after a bulk change (an HTCDS import, through the outbox),
    and every minute for the marks a failed flush left. Run twice, the second finds nothing or
    folds again: the rollups are recomputed from the cases, never incremented. While another
    fold runs this one does nothing: the next minute's takes what that one did not see."""
    with rollups.one_fold_at_a_time() as mine:
        folded = rollups.fold_marks() if mine else 0
    outbox.mark_done(outbox_id)
    return folded
