"""The supervisor dashboard and the statistics page: who sees them, what they show, cost."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from casework.models import AuditEvent, Role, StatisticsScope
from dashboards.scope import Filters, Scope
from dashboards.stats import statistics_for
from tests.fixtures.personas import acting, make_case, make_user, sign_in
from tests.fixtures.queries import page_queries
from tests.fixtures.statistics import EXPECTED, build_statistics_world, overdue_referral

DASHBOARD = reverse("dashboards:dashboard")
STATISTICS = reverse("dashboards:statistics")
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def stats_world(reference_data):
    world = build_statistics_world()
    world.supervisor = make_user("st.supervisor", world.police, Role.SUPERVISOR)
    world.national = make_user("st.national", world.social, Role.SUPERVISOR)
    world.social.statistics_scope = StatisticsScope.NATIONAL
    world.social.save()
    return world


@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS])
def test_only_supervisors_see_dashboards(stats_world, url):
    response = sign_in(stats_world.worker).get(url)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=stats_world.worker).count() == 1
    response = sign_in(stats_world.supervisor).get(url, MARCH)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, actor=stats_world.supervisor).count() == 1


def test_statistics_page_shows_the_known_figures_with_links_to_the_lists(stats_world):
    client = sign_in(stats_world.supervisor)
    with translation.override("en"):
        response = client.get(STATISTICS, MARCH)
    page = response.content.decode()
    stats = response.context["stats"].figures()
    assert {key: stats[key] for key in EXPECTED} == EXPECTED
    assert not response.context["stats"].suppressed
    # The victims figure links to the case list that shows exactly those cases.
    victims = next(figure for figure in response.context["stats"].headline if figure.key == "victims")
    assert victims.link and f"?{victims.link}".replace("&", "&amp;") in page
    listed = client.get(reverse("casework:case-list") + "?" + victims.link)
    assert len(listed.context["cases"]) == EXPECTED["victims"]
    children = next(figure for figure in response.context["stats"].headline if figure.key == "child_victims")
    assert len(client.get(reverse("casework:case-list") + "?" + children.link).context["cases"]) == 2
    received = next(figure for figure in response.context["stats"].headline if figure.key == "received")
    assert len(client.get(reverse("casework:case-list") + "?" + received.link).context["cases"]) == 7


def test_a_national_supervisor_sees_the_true_figures_of_her_mandate_unlinked(stats_world):
    """Decision 91: the national mandate covers every agency's cases; they are not hers to
    open, so no figure links to a list, and the page says the figures are not for sharing."""
    client = sign_in(stats_world.national)
    response = client.get(STATISTICS, MARCH)
    figures = response.context["stats"].figures()
    assert not response.context["stats"].suppressed
    national = Scope(level=StatisticsScope.NATIONAL, agency=stats_world.social)
    march = Filters(date_from=datetime.date(2026, 3, 1), date_to=datetime.date(2026, 3, 31))
    assert figures == statistics_for(national, march, suppress=False).figures()
    assert figures["child_victims"] == EXPECTED["child_victims"]
    page = response.content.decode()
    assert 'data-testid="figure-link"' not in page
    assert 'data-testid="suppression-note"' not in page and 'data-testid="internal-note"' in page
    dashboard = client.get(DASHBOARD, MARCH).context["data"]
    assert not dashboard.suppressed and dashboard.received == figures["received"] >= 7


def test_without_the_mandate_small_figures_are_hidden_and_unlinked(stats_world):
    """An agency administrator of the national agency has no statistics mandate."""
    client = sign_in(make_user("st.national.admin", stats_world.social, Role.AGENCY_ADMIN))
    response = client.get(STATISTICS, MARCH)
    figures = response.context["stats"].figures()
    assert all(value is None or value == 0 or value > 10 for value in figures.values())
    page = response.content.decode()
    assert 'data-testid="figure-link"' not in page and 'data-testid="internal-note"' not in page
    assert 'data-testid="suppression-note"' in page
    # As words: the page's random CSRF token may hold the letters (it held "S6" once).
    assert not re.search(r"\b(QUALITY|S6)\b", page)
    dashboard = client.get(DASHBOARD, MARCH).context["data"]
    assert dashboard.suppressed and dashboard.received is None


def test_no_internal_document_is_named_to_users(stats_world):
    client = sign_in(make_user("st.national.admin", stats_world.social, Role.AGENCY_ADMIN))
    for url in (STATISTICS, DASHBOARD):
        page = client.get(url, MARCH).content.decode()
        assert "QUALITY" not in page and "DOMAIN" not in page and "DESIGN" not in page
        assert "từ 1 đến 10" in page and "được che" in page


def test_dashboard_flags_an_overdue_referral_step(stats_world):
    overdue_referral(stats_world)
    stats_world.police.statistics_scope = StatisticsScope.PROVINCE
    stats_world.police.save()
    response = sign_in(stats_world.supervisor).get(DASHBOARD)
    rows = response.context["data"].overdue_by_agency
    assert [(row["code"], row["count"]) for row in rows] == [(stats_world.social.code, 1)]
    assert 'data-testid="overdue-row"' in response.content.decode()
    # No reference or name of the case appears on the dashboard.
    assert stats_world.cases[0].reference not in response.content.decode()
    assert "Giàng" not in response.content.decode()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_from": "2026-02-30"}, "date_from"),
        ({"date_from": "2026-04-01", "date_to": "2026-03-01"}, "date_to"),
        ({"date_to": "2999-01-01"}, "date_to"),
        ({"date_from": "1900-01-01"}, "date_from"),
        ({"agency": "999999"}, "agency"),
    ],
)
@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS])
def test_bad_filters_answer_400_and_keep_what_was_typed(stats_world, url, params, field):
    stats_world.police.statistics_scope = StatisticsScope.PROVINCE
    stats_world.police.save()
    response = sign_in(stats_world.supervisor).get(url, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    typed = next(iter(params.values()))
    assert f'value="{typed}"' in response.content.decode() or field == "agency"


def test_dashboard_figures_for_the_provincial_supervisor(stats_world):
    stats_world.police.statistics_scope = StatisticsScope.PROVINCE
    stats_world.police.save()
    data = sign_in(stats_world.supervisor).get(DASHBOARD, MARCH).context["data"]
    # Lào Cai in March: 7 received (the 2025 case and the Hà Nội one are outside). Her own
    # province is her mandate: true figures, however small (decision 91).
    assert not data.suppressed
    assert (data.received, data.identified, data.child_victims, data.child_share) == (7, 5, 2, 40.0)
    stats_world.police.statistics_scope = StatisticsScope.AGENCY
    stats_world.police.save()
    data = sign_in(stats_world.supervisor).get(DASHBOARD, MARCH).context["data"]
    assert (data.received, data.identified, data.child_victims, data.child_share) == (7, 5, 2, 40.0)
    assert data.open_total == 8  # every open case of the agency, whatever the period (7 + 2025)
    assert sum(bar.value for bar in data.received_by_month) == 7


def test_dashboard_and_statistics_queries_do_not_grow_with_cases(stats_world):
    """QUALITY P1: dashboard ≤ 15 queries, the same for a few cases and for many more."""
    client = sign_in(stats_world.supervisor)
    overdue_referral(stats_world)
    few_dashboard, _ = page_queries(client, DASHBOARD)
    few_statistics, _ = page_queries(client, STATISTICS)
    for number in range(41):
        make_case(stats_world.police, acting(stats_world.worker), name=f"Người thử {number}")
    many_dashboard, _ = page_queries(client, DASHBOARD)
    many_statistics, _ = page_queries(client, STATISTICS)
    assert few_dashboard == many_dashboard <= 15
    assert few_statistics == many_statistics <= 15
