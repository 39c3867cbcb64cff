"""Signals for apps above casework (docs/architecture.md: dependencies point one way).

`case_changed` is sent inside the transaction of a case's creation, status change or new
consent, so a receiver can write its own rows (the referral outbox) atomically with the
change. It is the one place casework tells higher apps anything (decision 23); `cases_changed`
is its bulk form (decision 256)."""

from django.dispatch import Signal

# kwargs: case_id (int), cause (str: "created", "status", "consent", "facts")
case_changed = Signal()

# Sent once by a bulk action (`casework/bulk.py`) for the cases it registered, inside its
# transaction, instead of one `case_changed` per case and per status move.
# kwargs: case_ids (list[int]), cause (str: "created", "incident")
cases_changed = Signal()
