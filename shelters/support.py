"""What shelters tell the support entitlements (docs/domain.md §5): the days of essential needs a
person received, from her stays and from essential-needs service records."""

import datetime
from collections.abc import Iterator

from django.utils import timezone

from casework.models import Case
from shelters.models import ServiceKind, ServiceRecord, Stay


def essential_need_days(case: Case, today: datetime.date) -> Iterator[tuple[datetime.date, datetime.date]]:
    """(first day, last day) of each stay and each essential-needs record of the case."""
    for admitted_at, discharged_at in Stay.objects.filter(case=case).values_list("admitted_at", "discharged_at"):
        yield timezone.localdate(admitted_at), timezone.localdate(discharged_at) if discharged_at else today
    records = ServiceRecord.objects.filter(case=case, kind=ServiceKind.ESSENTIAL_NEEDS)
    for provided_on, days in records.values_list("provided_on", "days"):
        yield provided_on, provided_on + datetime.timedelta(days=(days or 1) - 1)
