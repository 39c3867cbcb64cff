"""Receivers of casework's signals (decision 23)."""

from referrals import outbox


def route_on_case_change(sender, *, case_id: int, cause: str, **kwargs) -> None:
    """A case was created, moved or got a consent: route it after the change commits."""
    outbox.enqueue("referrals.tasks.route_case", case_id)
