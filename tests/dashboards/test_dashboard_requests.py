"""What a request to the dashboard or the statistics gets: a 400 for bad filters (never a
500), an audit row naming the scope and filters, and a fixed number of queries whatever the
number of cases (QUALITY S7, S4, P1; review probes of issue 6)."""

import pytest
from django.urls import reverse

from casework.models import (
    AuditEvent,
    Role,
    StatisticsScope,
)
from tests.fixtures.personas import make_agency, make_user, sign_in
from tests.fixtures.probes import (
    MARCH,
    received_cases,
)
from tests.fixtures.queries import page_queries

DASHBOARD = reverse("dashboards:dashboard")
STATISTICS = reverse("dashboards:statistics")


# 6. Bad input --------------------------------------------------------------------------

BAD_PERIODS = [
    {"date_from": "2026-02-30"},
    {"date_to": "2026-13-01"},
    {"date_from": "0001-01-01"},
    {"date_from": "9999-12-31"},
    {"date_from": "2026-03-31", "date_to": "2026-03-01"},
    {"province": "abc"},
    {"province": "99999999999999999999"},
    {"agency": "-1"},
    {"date_from": "x" * 5000},
]


@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS])
@pytest.mark.parametrize("params", BAD_PERIODS)
def test_bad_filters_are_a_400_never_a_500(world, url, params):
    world.police.statistics_scope = StatisticsScope.NATIONAL
    world.police.save()
    response = sign_in(world.supervisor).get(url, params)
    assert response.status_code == 400, params


@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS])
def test_an_agency_outside_the_province_is_refused(world, url):
    world.police.statistics_scope = StatisticsScope.PROVINCE
    world.police.save()
    response = sign_in(world.supervisor).get(url, {"agency": world.other_police.pk})
    assert response.status_code == 400


@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS])
def test_repeated_and_unknown_parameters_do_not_break_the_page(world, url):
    client = sign_in(world.supervisor)
    response = client.get(url + "?date_from=2026-03-01&date_from=2026-02-30&foo[]=1&page=99999999999999")
    assert response.status_code in (200, 400)


# Audit -----------------------------------------------------------------------------


def test_a_dashboard_view_is_audited_with_its_scope_and_filters(world):
    sign_in(world.supervisor).get(STATISTICS, MARCH)
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, actor=world.supervisor)
    assert event.detail["page"] == "statistics"
    assert event.detail["filters"] == MARCH


# Query counts (P1) -----------------------------------------------------------------


def test_the_provincial_dashboard_costs_the_same_for_few_and_many_cases(province_world):
    w = province_world
    client = sign_in(w.supervisor)
    received_cases(w.police, w.worker, 1)
    few_dashboard, _ = page_queries(client, DASHBOARD, **MARCH)
    few_statistics, _ = page_queries(client, STATISTICS, **MARCH)
    more = make_agency("rv-police-2", "police", "LCA")
    received_cases(more, make_user("rv.worker.2", more, Role.CASEWORKER), 49)
    many_dashboard, _ = page_queries(client, DASHBOARD, **MARCH)
    many_statistics, _ = page_queries(client, STATISTICS, **MARCH)
    # 15 before the rollups; they read the marks, the months of the scope, the days and marked
    # months live, and the distinct incidents, whatever the number of cases (decision 245):
    # the statistics replace one scan by those four.
    assert few_dashboard == many_dashboard <= 17
    assert few_statistics == many_statistics <= 18
