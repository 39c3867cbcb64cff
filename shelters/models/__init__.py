from shelters.models.facilities import Bed, Facility, FacilityKind, FacilityQuerySet, Placement
from shelters.models.stays import (
    SERVICE_SENSITIVITY,
    FollowUpOutcome,
    FollowUpVisit,
    Intake,
    ServiceKind,
    ServiceRecord,
    Stay,
    StayExtension,
)

__all__ = [
    "SERVICE_SENSITIVITY",
    "Bed",
    "Facility",
    "FacilityKind",
    "FacilityQuerySet",
    "FollowUpOutcome",
    "FollowUpVisit",
    "Intake",
    "Placement",
    "ServiceKind",
    "ServiceRecord",
    "Stay",
    "StayExtension",
]
