"""Period filters are written as instant bounds (`day_range_q`): the ends of the calendar match
the local dates and never answer 500."""

import datetime

import pytest
from django.urls import reverse

from casework.lib.dates import day_range_q
from casework.models import Case
from tests.fixtures.personas import sign_in

LIST = reverse("casework:case-list")


@pytest.mark.parametrize(
    "params",
    [
        {"received_to": "9999-12-31"},
        {"received_from": "0001-01-01"},
        {"received_from": "0001-01-01", "received_to": "9999-12-31"},
    ],
)
def test_extreme_dates_in_the_case_list_filter_answer_not_500(world, params):
    response = sign_in(world.owner).get(LIST, params)
    assert response.status_code == 200
    assert [case.reference for case in response.context["cases"]] == [world.case.reference]


def test_day_range_q_at_the_ends_of_the_calendar_matches_local_dates(world):
    everything = set(Case.objects.values_list("pk", flat=True))
    for date_from, date_to in [
        (datetime.date.min, None),
        (None, datetime.date.max),
        (datetime.date.min, datetime.date.max),
        (datetime.date.min, datetime.date(2000, 1, 1)),
    ]:
        by_bounds = set(
            Case.objects.filter(day_range_q("received_at", date_from, date_to)).values_list("pk", flat=True)
        )
        by_dates = Case.objects.all()
        if date_from:
            by_dates = by_dates.filter(received_at__date__gte=date_from)
        if date_to:
            by_dates = by_dates.filter(received_at__date__lte=date_to)
        assert by_bounds == set(by_dates.values_list("pk", flat=True))
        assert by_bounds == (set() if date_to == datetime.date(2000, 1, 1) else everything)
