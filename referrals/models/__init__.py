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
from .routing import RoutingDecision, RoutingRule

__all__ = [
    "OPEN_STATUSES",
    "REFERRAL_TRANSITIONS",
    "REVOKING_STATUSES",
    "HandoverMinutes",
    "Referral",
    "ReferralEvent",
    "ReferralPurpose",
    "ReferralStatus",
    "RoutingDecision",
    "RoutingRule",
]
