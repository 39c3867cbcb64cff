"""Whose cases a supervisor's dashboard and statistics cover, and the filters on them.

Aggregates are not case views: a provincial supervisor sees figures over every case received
in the province, not only the cases her agency's grants show. She has the mandate for them
and sees them true; what leaves the agency, and anyone without the mandate, gets them
small-cell suppressed (`stats.must_suppress`, `dashboards.suppression`). Links from a figure
lead to the permission-filtered case list, so a figure never opens a case.
"""

import datetime
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from casework.lib.dates import day_range_q
from casework.models import Agency, Case, Membership, Province, Role, StatisticsScope

# The cases figures count: a case merged into another is the same person as its survivor,
# which is counted instead (decision 194).
COUNTED = Q(merged_into__isnull=True)

# Roles that steer from the dashboards and may export.
DASHBOARD_ROLES = {Role.SUPERVISOR, Role.AGENCY_ADMIN}
# Roles with a statistics mandate over the agency's whole statistics scope (its province or the
# country): they see true figures there (decision 91). Administrators manage accounts; beyond
# their agency's own cases they see what may leave the agency.
MANDATED_ROLES = {Role.SUPERVISOR}


@dataclass(frozen=True)
class Scope:
    """The cases a dashboard covers: one agency's, one province's, or the country's."""

    level: str
    agency: Agency
    province: Province | None = None

    @classmethod
    def of(cls, agency: Agency) -> "Scope":
        level = agency.statistics_scope
        if level == StatisticsScope.PROVINCE and agency.province_id is None:
            level = StatisticsScope.AGENCY
        province = agency.province if level == StatisticsScope.PROVINCE else None
        return cls(level=level, agency=agency, province=province)

    @classmethod
    def for_membership(cls, membership: Membership | None) -> "Scope | None":
        """The scope of a supervisor or agency administrator; None for other roles."""
        if membership is None or membership.role not in DASHBOARD_ROLES:
            return None
        return cls.of(membership.agency)

    @property
    def own_cases_only(self) -> bool:
        """Every counted case is owned by the viewer's agency: no suppression is needed."""
        return self.level == StatisticsScope.AGENCY

    def q(self, prefix: str = "", *, province: str | None = None) -> Q:
        """The scope as a condition on cases (`prefix` reaches the case from another model;
        `province` names a copy of the case's province of reception on that model)."""
        if self.level == StatisticsScope.AGENCY:
            return Q(**{f"{prefix}owning_agency_id": self.agency.pk})
        if self.level == StatisticsScope.PROVINCE:
            return Q(**{province or f"{prefix}reception_province_id": self._own_province().pk})
        return Q()

    def _own_province(self) -> Province:
        """The province of a provincial scope; one without is a programming error, never "all"."""
        if self.province is None:
            raise ValueError("a provincial scope names its province")
        return self.province

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(self.q() & COUNTED)

    def provinces(self) -> QuerySet[Province]:
        if self.level == StatisticsScope.NATIONAL:
            return Province.objects.all()
        return Province.objects.filter(pk=(self.province or self.agency.province or Province()).pk)

    def agencies(self) -> QuerySet[Agency]:
        if self.level == StatisticsScope.AGENCY:
            return Agency.objects.filter(pk=self.agency.pk)
        agencies = Agency.objects.filter(is_active=True)
        if self.level == StatisticsScope.PROVINCE:
            agencies = agencies.filter(province=self.province)
        return agencies.order_by("name")

    def label(self) -> str:
        if self.level == StatisticsScope.NATIONAL:
            return _("whole country")
        if self.level == StatisticsScope.PROVINCE:
            return self._own_province().label
        return self.agency.label


@dataclass(frozen=True)
class Filters:
    """Period (by date of reception, both ends included), province and agency."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    province_id: int | None = None
    agency_id: int | None = None

    def q(self, prefix: str = "", *, province: str | None = None) -> Q:
        condition = day_range_q(f"{prefix}received_at", self.date_from, self.date_to)
        if self.province_id:
            condition &= Q(**{province or f"{prefix}reception_province_id": self.province_id})
        if self.agency_id:
            condition &= Q(**{f"{prefix}owning_agency_id": self.agency_id})
        return condition

    def to_params(self) -> dict[str, str | int]:
        """JSON-safe (stored on export jobs, passed to the case list)."""
        return {
            key: (value.isoformat() if isinstance(value, datetime.date) else value)
            for key, value in asdict(self).items()
            if value not in (None, "")
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "Filters":
        def day(value: str | None) -> datetime.date | None:
            return datetime.date.fromisoformat(value) if value else None

        return cls(
            date_from=day(params.get("date_from")),
            date_to=day(params.get("date_to")),
            province_id=params.get("province_id"),
            agency_id=params.get("agency_id"),
        )


def scoped_cases(scope: Scope, filters: Filters) -> QuerySet[Case]:
    return Case.objects.filter(scope.q() & filters.q() & COUNTED)
