"""Celery tasks of the referral workflow. Every task takes ids, is idempotent (its effect has
a unique key in the database) and is acknowledged only after it finished (`acks_late`,
`reject_on_worker_lost`); deadlines are rows, never broker ETAs (QUALITY R1, R2). The outbox
relay and the notification e-mail are messaging's tasks (`messaging/tasks.py`)."""

from celery import shared_task
from django.db import DatabaseError, transaction

from messaging import outbox
from referrals import followups, routing
from referrals.actions import do_escalate_overdue_referrals, do_flag_overdue_referrals

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(**RELIABLE)
def route_case(case_id: int, outbox_id: int | None = None) -> list[int]:
    """Apply the routing rules to one case; the outbox row is done in the same transaction."""
    with transaction.atomic():
        referrals = routing.route_case(case_id)
        outbox.mark_done(outbox_id)
    return [referral.pk for referral in referrals]


@shared_task(**RELIABLE)
def route_cases(case_ids: list[int], outbox_id: int | None = None) -> list[int]:
    """Route many cases registered at once (an HTCDS import, decision 256), each in its own
    transaction as `route_case` does; the outbox row is done with the last. Routing a case
    again decides nothing new, so a redelivered message sends nothing twice."""
    sent = []
    for index, case_id in enumerate(case_ids):
        with transaction.atomic():
            sent += [referral.pk for referral in routing.route_case(case_id)]
            if index == len(case_ids) - 1:
                outbox.mark_done(outbox_id)
    if not case_ids:
        outbox.mark_done(outbox_id)
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True)
def flag_overdue_referrals() -> int:
    """Periodic: referral deadlines are rows in the database, not ETAs in the broker, so a
    restarted Redis or a killed worker loses none of them. Flags first, so a step flagged in
    this tick is escalated no earlier than its own second deadline."""
    flagged = do_flag_overdue_referrals()
    do_escalate_overdue_referrals()
    return flagged


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_followups() -> int:
    """Periodic: follow-up visits come due months after discharge, far beyond any broker ETA,
    so their due dates are rows that each hourly tick compares with the local date. Each notice
    is claimed by a compare-and-set on its visit, so a second tick or a redelivery sends none."""
    return followups.do_remind_followups()
