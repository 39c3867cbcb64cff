from .core import (
    OPEN_STATUSES,
    REFERRAL_TRANSITIONS,
    REVOKING_STATUSES,
    Referral,
    ReferralEvent,
    ReferralPurpose,
    ReferralStatus,
)
from .minutes import HandoverMinutes
from .notifications import Notification
from .outbox import OutboxMessage
from .routing import RoutingDecision, RoutingRule

__all__ = [
    "OPEN_STATUSES",
    "REFERRAL_TRANSITIONS",
    "REVOKING_STATUSES",
    "HandoverMinutes",
    "Notification",
    "OutboxMessage",
    "Referral",
    "ReferralEvent",
    "ReferralPurpose",
    "ReferralStatus",
    "RoutingDecision",
    "RoutingRule",
]
