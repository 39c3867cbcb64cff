from celery import shared_task

from casework.actions import do_flag_overdue_cases


@shared_task(acks_late=True, reject_on_worker_lost=True)
def flag_overdue_cases() -> int:
    """Periodic: deadlines live in the database, so a beat tick finds what is overdue."""
    return do_flag_overdue_cases()
