"""Receivers of casework's and shelters' signals (decision 23)."""

from messaging import header_counts, outbox
from referrals import followups


def route_on_case_change(sender, *, case_id: int, cause: str, **kwargs) -> None:
    """A case was created, moved or got a consent: route it after the change commits."""
    outbox.enqueue("referrals.tasks.route_case", case_id)


def route_on_cases_change(sender, *, case_ids: list[int], cause: str, **kwargs) -> None:
    """Many cases were registered at once (`casework.bulk`): one outbox row routes them all
    after the change commits (decision 256). A new incident or offender routes nothing, as
    one linked alone does not."""
    if cause == "created" and case_ids:
        outbox.enqueue("referrals.tasks.route_cases", list(case_ids))


def notify_on_followup_recorded(sender, *, visit_id: int, **kwargs) -> None:
    """A follow-up visit's outcome was recorded: the notices are written in the same
    transaction, so they exist exactly when the outcome does; their e-mails go after commit."""
    followups.notify_followup_outcome(visit_id)


def referral_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of Referral: the receiving agency's inbox badge is counted again."""
    header_counts.forget_inbox(instance.to_agency_id)
