"""Periodic shelter work. Tasks take nothing or ids and are safe to run twice."""

from celery import shared_task

from shelters import actions


@shared_task(acks_late=True, reject_on_worker_lost=True)
def release_expired_holds() -> int:
    return actions.do_release_expired_holds()
