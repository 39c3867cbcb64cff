"""Receivers of casework's and shelters' signals (decision 23)."""

from messaging import header_counts, outbox
from referrals import followups


def route_on_case_change(sender, *, case_id: int, cause: str, **kwargs) -> None:
    """A case was created, moved or got a consent: route it after the change commits."""
    outbox.enqueue("referrals.tasks.route_case", case_id)


def notify_on_followup_recorded(sender, *, visit_id: int, **kwargs) -> None:
    """A follow-up visit's outcome was recorded: the notices are written in the same
    transaction, so they exist exactly when the outcome does; their e-mails go after commit."""
    followups.notify_followup_outcome(visit_id)


def referral_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of Referral: the receiving agency's inbox badge is counted again."""
    header_counts.forget_inbox(instance.to_agency_id)
