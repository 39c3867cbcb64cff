from celery import shared_task

from support.actions import do_flag_overdue_claims


@shared_task(acks_late=True, reject_on_worker_lost=True)
def flag_overdue_claims() -> int:
    """Periodic: claim decisions fall due on working days kept in the database, so an hourly
    tick flags the ones left undecided past their day."""
    return do_flag_overdue_claims()
