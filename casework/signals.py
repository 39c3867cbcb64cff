"""Signals for apps above casework (docs/architecture.md: dependencies point one way).

`case_changed` is sent inside the transaction of a case's creation, status change or new
consent, so a receiver can write its own rows (the referral outbox) atomically with the
change. It is the one place casework tells higher apps anything (decision 23)."""

from django.dispatch import Signal

# kwargs: case_id (int), cause (str: "created", "status", "consent", "facts")
case_changed = Signal()
