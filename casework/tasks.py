from celery import shared_task

from casework.actions import do_flag_overdue_cases
from casework.drafts import purge_expired
from casework.responsibility import do_flag_overdue_tasks, do_flag_overdue_verifications


@shared_task(acks_late=True, reject_on_worker_lost=True)
def flag_overdue_cases() -> int:
    """Periodic: deadlines live in the database, so a beat tick finds what is overdue — status
    limits, the 3 days of initial verification and the lead's tasks."""
    return do_flag_overdue_cases() + do_flag_overdue_verifications() + do_flag_overdue_tasks()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def purge_drafts() -> int:
    """Periodic: delete drafts untouched for CAUNOI_DRAFT_DAYS; they hold identity data (decision 196)."""
    return purge_expired()
