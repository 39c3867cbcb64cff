from celery import shared_task

from referrals.actions import do_flag_overdue_referrals


@shared_task(acks_late=True, reject_on_worker_lost=True)
def flag_overdue_referrals() -> int:
    """Periodic: referral deadlines are rows in the database, not ETAs in the broker, so a
    restarted Redis or a killed worker loses none of them."""
    return do_flag_overdue_referrals()
