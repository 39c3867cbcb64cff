"""Date filters written as instant bounds select the same rows as comparing local dates."""

import datetime

from casework.lib.dates import day_range_q
from casework.models import Case
from tests.fixtures.personas import acting, make_case

VN = datetime.timezone(datetime.timedelta(hours=7))


def test_a_local_day_range_matches_the_local_dates_at_both_edges(world):
    owner = acting(world.owner)
    edges = [
        datetime.datetime(2026, 2, 28, 23, 59, tzinfo=VN),  # before
        datetime.datetime(2026, 3, 1, 0, 0, tzinfo=VN),  # first instant of the range
        datetime.datetime(2026, 3, 31, 23, 59, 59, tzinfo=VN),  # last second
        datetime.datetime(2026, 4, 1, 0, 0, tzinfo=VN),  # after
        datetime.datetime(2026, 3, 31, 17, 30, tzinfo=datetime.UTC),  # 00:30 on 1 April in Vietnam
    ]
    for number, received_at in enumerate(edges):
        make_case(world.police, owner, name=f"Người Thử {number}", received_at=received_at)
    march = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    by_bounds = set(Case.objects.filter(day_range_q("received_at", *march)).values_list("pk", flat=True))
    by_dates = set(
        Case.objects.filter(received_at__date__gte=march[0], received_at__date__lte=march[1]).values_list(
            "pk", flat=True
        )
    )
    assert by_bounds == by_dates
    assert len(by_bounds) == 2
    assert Case.objects.filter(day_range_q("received_at")).count() == Case.objects.count()
