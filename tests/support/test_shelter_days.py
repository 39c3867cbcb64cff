"""Days of essential needs counted for the 120-day cap come from shelter stays and
essential-needs records (docs/domain.md §5); the cap extends by a recorded decision."""

import datetime

import pytest
from django.utils import timezone

from shelters import actions
from support.entitlements import days_allowed, days_used
from support.models import CapExtension, SupportItem
from tests.fixtures.personas import acting
from tests.fixtures.shelters import new_case, place

pytestmark = pytest.mark.django_db


def test_essential_need_days_come_from_stays_and_records_and_the_cap_extends(shelter_world):
    w = shelter_world
    case = new_case(w.social, w.social_worker)
    place(case, w)
    stay = actions.do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )
    today = timezone.localdate()
    actions.do_record_service(
        stay, kind="essential_needs", provided_on=today, days=1, provider="Nhà", actor=acting(w.shelter_worker)
    )
    assert days_used(case, today) == 1  # the same day counts once
    assert days_used(case, today + datetime.timedelta(days=9)) == 10
    item = SupportItem.objects.get(code="l53-a")
    assert days_allowed(case, item) == 120
    CapExtension.objects.create(
        case=case, item=item, extra_days=30, decision_number="12/QĐ-SYT", decided_by="Sở Y tế",
        decided_on=today, reason="Chưa thể về", recorded_by=w.social_worker, recorded_at=timezone.now(),
    )  # fmt: skip
    assert days_allowed(case, item) == 150
    assert days_allowed(case, SupportItem.objects.get(code="l53-b")) is None
