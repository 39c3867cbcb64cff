"""Many requests for an expired figure compute it once (issue 18, decision 247): the first
takes the lock, the others wait for its figures, or after a while show the previous ones
marked as such."""

import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache as django_cache

from casework.models import StatisticsScope
from dashboards import cache
from dashboards.overview import Overview

NATIONAL = SimpleNamespace(level=StatisticsScope.NATIONAL)


@pytest.fixture
def cached(settings):
    settings.CAUNOI_DASHBOARD_CACHE_SECONDS = 600
    settings.CAUNOI_DASHBOARD_RECOMPUTE_WAIT_SECONDS = 2.0
    django_cache.clear()
    yield
    django_cache.clear()


def figures(received: int) -> Overview:
    empty = dict.fromkeys(
        ["open_total", "new_this_month", "identified", "child_victims", "victims", "child_share"], None
    )
    return Overview(
        open_by_status=[],
        received=received,
        months=[],
        received_by_month=[],
        identified_by_month=[],
        median_days_to_handover=None,
        handovers=None,
        claims_approved=None,
        claims_refused=None,
        claims_waiting=None,
        approved_vnd=None,
        paid_vnd=None,
        suppressed=False,
        **empty,
    )


def test_eight_requests_at_once_compute_the_figure_once(cached):
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.4)
        return figures(42)

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.cached("dashboard", NATIONAL, {"p": 1}, compute)))
        for _n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert [result.received for result in results] == [42] * 8
    assert not any(result.previous for result in results)


def hold_the_locks(page: str) -> None:
    """As if another request were computing every expired `page` figure stored before."""
    generation = cache._generation(cache.NATIONAL)
    for stored in list(django_cache._cache):  # locmem's keys: ":1:<key>"
        key = stored.split(":", 2)[-1]
        if key.startswith(f"{cache.PREFIX}:{page}:") and ":latest:" in key:
            django_cache.add(key.replace(":latest:", f":{generation}:") + ":lock", 1, 30)


def test_a_request_that_waits_too_long_shows_the_previous_figures_marked(cached, settings):
    assert cache.cached("dashboard", NATIONAL, {"p": 1}, lambda: figures(41)).received == 41
    cache.bump([cache.NATIONAL])  # a change: the figure expires
    settings.CAUNOI_DASHBOARD_RECOMPUTE_WAIT_SECONDS = 0.2
    hold_the_locks("dashboard")
    shown = cache.cached("dashboard", NATIONAL, {"p": 1}, lambda: pytest.fail("computed twice"))
    assert (shown.received, shown.previous) == (41, True)


def test_without_previous_figures_a_waiting_request_computes(cached, settings):
    settings.CAUNOI_DASHBOARD_RECOMPUTE_WAIT_SECONDS = 0.1
    assert cache.cached("dashboard", NATIONAL, {"p": 1}, lambda: figures(41)).received == 41
    cache.bump([cache.NATIONAL])
    hold_the_locks("dashboard")
    # Other parameters have no previous figures: computed, never nothing.
    other = cache.cached("dashboard", NATIONAL, {"p": 2}, lambda: figures(7))
    assert (other.received, other.previous) == (7, False)


def test_the_page_says_the_figures_are_previous(cached, world, settings):
    from django.urls import reverse

    from tests.fixtures.personas import sign_in

    world.police.statistics_scope = StatisticsScope.NATIONAL
    world.police.save()
    client = sign_in(world.supervisor)
    assert b"previous-figures" not in client.get(reverse("dashboards:dashboard")).content
    settings.CAUNOI_DASHBOARD_RECOMPUTE_WAIT_SECONDS = 0.1
    cache.bump([cache.NATIONAL])
    hold_the_locks("dashboard")
    response = client.get(reverse("dashboards:dashboard"))
    assert response.status_code == 200
    assert b"previous-figures" in response.content
