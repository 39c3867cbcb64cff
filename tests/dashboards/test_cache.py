"""Cached dashboard aggregates (QUALITY P4): served again while nothing in the scope changed,
recomputed as soon as a case of the scope changes, untouched by changes elsewhere."""

import pytest
from django.core.cache import cache as django_cache
from django.test import override_settings
from django.urls import reverse

from casework import actions
from casework.lib import generations
from casework.models import CaseStatus, Person, Role, Sex, StatisticsScope
from dashboards import cache
from tests.fixtures.personas import acting, make_case, make_user, sign_in
from tests.fixtures.queries import page_queries
from tests.fixtures.statistics import build_statistics_world, overdue_referral
from tests.services import free_port

DASHBOARD = reverse("dashboards:dashboard")
STATISTICS = reverse("dashboards:statistics")
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def cached_world(reference_data, settings):
    settings.CAUNOI_DASHBOARD_CACHE_SECONDS = 600
    django_cache.clear()
    world = build_statistics_world()
    world.supervisor = make_user("st.supervisor", world.police, Role.SUPERVISOR)
    world.supervisor_hn = make_user("st.supervisor.hn", world.police_hn, Role.SUPERVISOR)
    world.national = make_user("st.national", world.social, Role.SUPERVISOR)
    world.social.statistics_scope = StatisticsScope.NATIONAL
    world.social.save()
    yield world
    django_cache.clear()


def dashboard(client, **params):
    count, response = page_queries(client, DASHBOARD, **params)
    return count, response.context["data"]


def test_the_second_view_comes_from_the_cache_with_the_same_figures(cached_world):
    client = sign_in(cached_world.supervisor)
    first_count, first = dashboard(client)
    second_count, second = dashboard(client)
    assert second_count < first_count
    assert (second.open_total, second.received, second.victims) == (first.open_total, first.received, first.victims)
    assert [bar.value for bar in second.received_by_month] == [bar.value for bar in first.received_by_month]

    stats_first, page_first = page_queries(client, STATISTICS, **MARCH)
    stats_second, page_second = page_queries(client, STATISTICS, **MARCH)
    assert stats_second < stats_first
    assert page_second.context["stats"].figures() == page_first.context["stats"].figures()
    # Another period is another entry.
    stats_other, _page = page_queries(client, STATISTICS, date_from="2025-01-01", date_to="2025-12-31")
    assert stats_other == stats_first


def test_a_change_recomputes_its_own_scopes_and_leaves_the_others_cached(
    cached_world, django_capture_on_commit_callbacks
):
    lao_cai, ha_noi, national = (
        sign_in(cached_world.supervisor),
        sign_in(cached_world.supervisor_hn),
        sign_in(cached_world.national),
    )
    cold = {name: dashboard(client)[0] for name, client in [("lca", lao_cai), ("hn", ha_noi), ("nat", national)]}
    warm = {name: dashboard(client)[0] for name, client in [("lca", lao_cai), ("hn", ha_noi), ("nat", national)]}
    assert all(warm[name] < cold[name] for name in cold)
    _count, before = dashboard(ha_noi)

    with django_capture_on_commit_callbacks(execute=True):
        make_case(cached_world.police_hn, acting(cached_world.worker), name="Lò Thị Mới")

    count_hn, after = dashboard(ha_noi)
    assert count_hn == cold["hn"]
    assert after.open_total == before.open_total + 1
    assert dashboard(national)[0] == cold["nat"]
    # Lào Cai's agency scope holds no Hà Nội case: still served from the cache.
    assert dashboard(lao_cai)[0] == warm["lca"]


def test_a_status_change_and_an_identity_edit_reach_the_cached_figures(
    cached_world, django_capture_on_commit_callbacks
):
    client = sign_in(cached_world.supervisor)
    _count, before = dashboard(client)
    case = cached_world.cases[0]
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_transition_case(case, CaseStatus.CLOSED, reason="Đã hòa nhập", actor=acting(cached_world.worker))
    _count, after = dashboard(client)
    assert after.open_total == before.open_total - 1

    stats_before = page_queries(client, STATISTICS, **MARCH)[1].context["stats"].figures()
    with django_capture_on_commit_callbacks(execute=True):
        person = Person.objects.get(pk=cached_world.cases[1].person_id)
        person.sex = Sex.MALE if person.sex == Sex.FEMALE else Sex.FEMALE
        person.save()
    stats_after = page_queries(client, STATISTICS, **MARCH)[1].context["stats"].figures()
    assert stats_after["sex.male"] != stats_before["sex.male"]
    assert stats_after["victims"] == stats_before["victims"]


def test_overdue_steps_are_live_even_when_the_aggregates_are_cached(cached_world):
    client = sign_in(cached_world.supervisor)
    _count, before = dashboard(client)
    assert before.overdue_by_agency == []
    overdue_referral(cached_world)  # no commit runs here: nothing is invalidated
    _count, after = dashboard(client)
    assert [row["count"] for row in after.overdue_by_agency] == [1]


def test_overdue_steps_are_kept_briefly_and_per_scope(cached_world, settings):
    """Decision 282: kept CAUNOI_DASHBOARD_LIVE_SECONDS per scope, never another scope's."""
    settings.CAUNOI_DASHBOARD_LIVE_SECONDS = 30
    national = sign_in(cached_world.national)
    _count, before = dashboard(national)
    assert before.overdue_by_agency == []
    overdue_referral(cached_world)
    _count, kept = dashboard(national)
    assert kept.overdue_by_agency == []  # within the 30 seconds
    # The province's supervisor has figures of her own, computed now.
    _count, province = dashboard(sign_in(cached_world.supervisor))
    assert [row["count"] for row in province.overdue_by_agency] == [1]
    django_cache.clear()  # the 30 seconds have passed
    _count, later = dashboard(national)
    assert [row["count"] for row in later.overdue_by_agency] == [1]


@pytest.mark.parametrize("page", [DASHBOARD, STATISTICS])
def test_an_unreachable_cache_says_figures_unavailable_never_stale_or_zero(cached_world, page):
    """Decision 243: with Redis down the page says so (503, "Số liệu tạm thời không có")
    instead of a zero, a stale figure or the country's figures recomputed on every request."""
    client = sign_in(cached_world.supervisor)
    assert client.get(page).status_code == 200  # cached while the cache answered
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get(page)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    content = response.content.decode()
    assert "Số liệu tạm thời không có" in content
    assert 'data-testid="open-total"' not in content and 'data-testid="headline"' not in content
    assert 'data-testid="period-filters"' in content  # the filters stay usable
    assert client.get(page).status_code == 200  # the cache is back: so are the figures


def test_figures_come_back_with_the_cache_and_a_failed_store_still_shows_them(cached_world, monkeypatch):
    client = sign_in(cached_world.supervisor)
    _count, expected = dashboard(client)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    django_cache.clear()
    monkeypatch.setattr(cache.cache, "set", down)  # read answers (nothing there), store fails
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["data"].open_total == expected.open_total
    monkeypatch.setattr(cache.cache, "get", down)
    assert client.get(DASHBOARD).status_code == 503
    monkeypatch.undo()
    _count, again = dashboard(client)
    assert again.open_total == expected.open_total and again.received == expected.received


def test_with_the_cache_turned_off_figures_are_computed(cached_world, settings, monkeypatch):
    settings.CAUNOI_DASHBOARD_CACHE_SECONDS = 0

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache.cache, "get", down)
    response = sign_in(cached_world.supervisor).get(DASHBOARD)
    assert response.status_code == 200 and response.context["data"].open_total is not None


def test_generations_are_per_scope():
    django_cache.clear()
    before = {topic: cache._generation(topic) for topic in ("national", "province:1", "agency:7", "province:2")}
    cache.bump(cache.case_topics(1, 7))
    after = {topic: cache._generation(topic) for topic in before}
    assert [topic for topic in before if after[topic] != before[topic]] == ["national", "province:1", "agency:7"]


def test_a_change_saved_while_the_cache_was_unreachable_is_not_hidden_when_it_returns(cached_world, monkeypatch):
    """The bump of a change made during a blip is owed and paid on the next read: the figures
    stored before the change are not served when the cache answers again."""
    monkeypatch.setattr(generations, "RETRY_SECONDS", 0)
    assert cache.cached("dashboard", _national(), {}, lambda: {"open": 3}) == {"open": 3}

    def refused(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache.cache, "incr", refused)
    cache.bump(["national"])  # logged, not raised
    monkeypatch.undo()
    assert cache.cached("dashboard", _national(), {}, lambda: {"open": 4}) == {"open": 4}
    assert generations.owed() == set()


def test_the_lattice_that_exports_need_is_computed_when_the_cache_is_down(cached_world, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache.cache, "get", down)
    with pytest.raises(cache.FiguresUnavailable):
        cache.cached("dashboard", _national(), {}, lambda: {"open": 3})
    assert cache.cached("lattice", _national(), {}, lambda: {"2026-Q1|received"}, live_if_unavailable=True) == {
        "2026-Q1|received"
    }


def _national():
    from types import SimpleNamespace

    return SimpleNamespace(level=StatisticsScope.NATIONAL)
