"""Background exports. Building a spreadsheet of thousands of cases takes longer than a page
may, so it runs here while the exports page polls its progress (docs/domain.md §7)."""

from celery import shared_task
from django.db import DatabaseError

from exchange import exports, imports

# The tasks were written in `dashboards.tasks` before the exchange app was split out
# (decision 146). A task's name is what a queued message and the beat schedule refer to, so
# the names stay as they were: messages queued before a deployment still find their task.
NAME = "dashboards.tasks.{}".format


@shared_task(
    name=NAME("run_export"),
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def run_export(job_id: int) -> bool:
    """Build one export. The job is claimed by a compare-and-set (queued → running), so a
    redelivered message does nothing once the file is made (QUALITY R2)."""
    return exports.do_run_export(job_id)


@shared_task(name=NAME("requeue_exports"), acks_late=True, reject_on_worker_lost=True)
def requeue_exports() -> int:
    """Periodic: publish again the jobs whose message was lost (broker down when the job was
    asked for) or whose worker died mid-way; the claim makes a duplicate harmless."""
    job_ids = exports.stalled_job_ids()
    for job_id in job_ids:
        run_export.delay(job_id)
    return len(job_ids)


@shared_task(name=NAME("expire_exports"), acks_late=True, reject_on_worker_lost=True)
def expire_exports() -> int:
    """Periodic: delete export files older than CAUNOI_EXPORT_KEEP_HOURS. A file of victims'
    data left on a server is a leak waiting to happen; whoever needs it again exports again."""
    return exports.do_expire_exports()


@shared_task(
    name=NAME("run_import"),
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def run_import(job_id: int) -> bool:
    """Import one uploaded HTCDS file. Checking and writing thousands of rows through the
    casework actions outlasts a request; the job is claimed by a compare-and-set (queued →
    running), so a redelivered message does nothing once the file is imported (QUALITY R2)."""
    return imports.do_run_import(job_id)


@shared_task(name=NAME("requeue_imports"), acks_late=True, reject_on_worker_lost=True)
def requeue_imports() -> int:
    """Periodic: publish again the imports whose message was lost or whose worker died
    mid-way (its transaction died with it); the claim makes a duplicate harmless."""
    job_ids = imports.stalled_job_ids()
    for job_id in job_ids:
        run_import.delay(job_id)
    return len(job_ids)
