"""What shelters tell the apps above them (docs/architecture.md: shelters never imports referrals).

`followup_recorded` is sent inside the transaction of a follow-up visit's outcome; the
referrals app turns it into notifications to the agencies that must act on it."""

from django.dispatch import Signal

followup_recorded = Signal()
