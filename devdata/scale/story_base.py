"""What every part of the story shares: time units, local dates, weighted draws and the records
the generator keeps per case (`Grant`, `Case`, `Group`)."""

import datetime
import random
from dataclasses import dataclass, field

from casework.models import Role
from devdata.scale.world import AgencyInfo

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
# Asia/Ho_Chi_Minh has kept UTC+7 since 1975: local dates without a time-zone lookup per row.
LOCAL = datetime.timedelta(hours=7)
CORE = "core"
CASEWORKER, SHELTER_STAFF, SUPERVISOR, AGENCY_ADMIN = (
    Role.CASEWORKER,
    Role.SHELTER_STAFF,
    Role.SUPERVISOR,
    Role.AGENCY_ADMIN,
)
ROLE_ORDER = [str(role) for role in Role.values]
# Notices that mean the person came back across a border (never a case within Viet Nam).
CROSS_BORDER_ONLY = {"border_handover", "mission_return"}


def local_date(at: datetime.datetime) -> datetime.date:
    return (at + LOCAL).date()


def local_at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC) - LOCAL


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class Grant:
    __slots__ = (
        "group",
        "user",
        "classes",
        "can_change",
        "source",
        "ref",
        "by",
        "at",
        "revoked_at",
        "revoked_by",
        "purpose",
    )

    def __init__(self, group, user, classes, can_change, source, ref, by, at, purpose=""):
        self.group, self.user, self.classes, self.can_change = group, user, classes, can_change
        self.source, self.ref, self.by, self.at, self.purpose = source, ref, by, at, purpose
        self.revoked_at = self.revoked_by = None


@dataclass
class Case:
    """What the generator keeps about one case while writing its rows."""

    id: int
    reference: str
    owner: AgencyInfo
    province: str
    received_at: datetime.datetime
    created_at: datetime.datetime
    sex: str
    age: int | None
    child: bool
    vietnamese: bool
    poor: bool | None
    home: str
    destination: str
    assigned: int | None
    grants: list = field(default_factory=list)
    consents: list = field(default_factory=list)  # (agency id, classes, at)
    last_at: datetime.datetime | None = None
    with_child: bool = False
    incident: int | None = None
    path: list = field(default_factory=list)
    closure_reason: str = ""
    due_at: datetime.datetime | None = None
    overdue_at: datetime.datetime | None = None


@dataclass
class Group:
    owner: AgencyInfo
    province: str
    notice: str
    destination: str
    forms: list[str]
    size: int
    incident: bool
