"""Cached dashboard figures: a case moved to another province or agency leaves the old scope's
figures, and the cache keeps language, suppression and filters apart."""

import pytest
from django.core.cache import cache as django_cache
from django.urls import reverse
from django.utils import translation

from casework.models import Case, Province, Role, StatisticsScope
from dashboards import overview
from dashboards.scope import Filters, Scope
from tests.fixtures.personas import make_user, sign_in
from tests.fixtures.statistics import build_statistics_world

STATISTICS = reverse("dashboards:statistics")


@pytest.fixture
def cached_world(reference_data, settings):
    settings.CAUNOI_DASHBOARD_CACHE_SECONDS = 600
    django_cache.clear()
    world = build_statistics_world()
    world.lca = Province.objects.get(code="LCA")
    world.hn = Province.objects.get(code="HN")
    yield world
    django_cache.clear()


def _open_total(scope: Scope) -> int:
    return overview.build(scope, Filters(), suppress=False).open_total


def test_a_case_moved_to_another_province_leaves_the_old_provinces_figures(
    cached_world, django_capture_on_commit_callbacks
):
    """The HTCDS re-import writes a row's province of reception onto an existing case."""
    lao_cai = Scope(level=StatisticsScope.PROVINCE, agency=cached_world.social, province=cached_world.lca)
    ha_noi = Scope(level=StatisticsScope.PROVINCE, agency=cached_world.police_hn, province=cached_world.hn)
    before_lca, before_hn = _open_total(lao_cai), _open_total(ha_noi)
    case = Case.objects.get(pk=cached_world.cases[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        case.reception_province = cached_world.hn
        case.save(update_fields=["reception_province", "updated_at"])
    assert _open_total(ha_noi) == before_hn + 1
    assert _open_total(lao_cai) == before_lca - 1


def test_a_case_handed_to_another_agency_leaves_the_old_agencys_figures(
    cached_world, django_capture_on_commit_callbacks
):
    police = Scope.of(cached_world.police)
    before = _open_total(police)
    case = Case.objects.get(pk=cached_world.cases[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        case.owning_agency = cached_world.police_hn
        case.save(update_fields=["owning_agency", "updated_at"])
    assert _open_total(police) == before - 1


def test_cached_statistics_follow_language_suppression_and_filters(cached_world):
    supervisor = make_user("probe.supervisor", cached_world.police, Role.SUPERVISOR)
    client = sign_in(supervisor)
    vietnamese = client.get(STATISTICS).context["stats"]
    client.cookies["django_language"] = "en"
    english = client.get(STATISTICS).context["stats"]
    assert vietnamese.headline[0].label != english.headline[0].label
    del client.cookies["django_language"]
    translation.deactivate()
    # Own cases: unsuppressed and with links; beyond its own cases an agency administrator has
    # no statistics mandate (decision 91): suppressed, no links, from the same cache.
    cached_world.social.statistics_scope = StatisticsScope.PROVINCE
    cached_world.social.save()
    provincial = sign_in(make_user("probe.provincial", cached_world.social, Role.AGENCY_ADMIN))
    shown = provincial.get(STATISTICS).context["stats"]
    assert shown.suppressed and not vietnamese.suppressed
    assert all(figure.link is None for figure in shown.headline)
    march = client.get(STATISTICS, {"date_from": "2026-03-01", "date_to": "2026-03-31"}).context["stats"]
    assert march.figures()["received"] == 7
    assert vietnamese.figures()["received"] == 8
