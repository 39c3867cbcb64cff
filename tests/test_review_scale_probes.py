"""Review probes for the scale changes: cursor paging, cached dashboard figures and select
options, the select rendered in Python, and period filters written as instant bounds."""

import datetime

import pytest
from django import forms
from django.core.cache import cache as django_cache
from django.urls import reverse
from django.utils import translation

from casework import choices_cache
from casework.lib.dates import day_range_q
from casework.models import Case, Province, Role, StatisticsScope
from casework.widgets import FastSelect
from dashboards import overview
from dashboards.scope import Filters, Scope
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in
from tests.fixtures.statistics import build_statistics_world

LIST = reverse("casework:case-list")
STATISTICS = reverse("dashboards:statistics")


# --- cursor paging -------------------------------------------------------------------------


def test_cursor_paging_keeps_rows_registered_in_the_same_instant(world, monkeypatch):
    from casework.views import cases as case_views

    monkeypatch.setattr(case_views, "PAGE_SIZE", 3)
    owner = acting(world.owner)
    for index in range(7):
        make_case(world.police, owner, name=f"Người Cùng Lúc {index}")
    same = Case.objects.order_by("created_at").first().created_at
    Case.objects.filter(owning_agency=world.police).update(created_at=same)
    expected = list(Case.objects.order_by("-created_at", "-id").values_list("reference", flat=True))
    client = sign_in(world.owner)
    seen, response, pages = [], client.get(LIST), []
    while True:
        page = response.context["page"]
        seen += [case.reference for case in page.rows]
        pages.append(page)
        if not page.has_next:
            break
        response = client.get(LIST, {"page": page.number + 1, "after": str(page.rows[-1].public_id)})
    assert seen == expected
    # Back with `before` from the last page gives the page before it.
    last = pages[-1]
    back = client.get(LIST, {"page": last.number - 1, "before": str(last.rows[0].public_id)})
    assert [case.reference for case in back.context["cases"]] == [case.reference for case in pages[-2].rows]


# --- period filters as instant bounds --------------------------------------------------------


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


# --- cached dashboard figures --------------------------------------------------------------


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


# --- select options from the cache ---------------------------------------------------------


def test_options_rebuilt_during_the_saving_transaction_do_not_outlive_its_commit(
    reference_data, settings, django_capture_on_commit_callbacks
):
    """Another request may read the options between the save (and its bump) and the commit,
    from the data as it was before: what it stores must not be served after the commit."""
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 300
    django_cache.clear()
    agency = make_agency("probe-renamed", "police", "LCA")
    with django_capture_on_commit_callbacks(execute=True):
        agency.name = "Tên mới"
        agency.save()
        # The concurrent request, still seeing the old name:
        choices_cache.get_or_build("probe", "vi", lambda: ["Tên cũ"], 300)
    assert choices_cache.get_or_build("probe", "vi", lambda: ["Tên mới"], 300) == ["Tên mới"]
    django_cache.clear()


# --- the select rendered in Python ---------------------------------------------------------

HOSTILE = '"><script>alert(1)</script>'


class Hostile(forms.Form):
    pick = forms.ChoiceField(
        choices=[(HOSTILE, [(HOSTILE, HOSTILE), ("b", "B & 'b'")]), ("c", "<img src=x onerror=alert(1)>")]
    )


@pytest.mark.parametrize("data", [None, {"pick": HOSTILE}, {"pick": "c"}])
def test_fast_select_escapes_group_labels_values_labels_and_attributes(data):
    def markup(widget_class):
        form = Hostile(data)
        form.fields["pick"].widget = widget_class(
            choices=form.fields["pick"].choices, attrs={"class": "form-select", "data-x": HOSTILE, "hidden": True}
        )
        return str(form["pick"]).replace("\n", "").replace("  ", "")

    fast = markup(FastSelect)
    assert "<script>" not in fast and "<img" not in fast and "&quot;&gt;&lt;script&gt;" in fast
    assert fast == markup(forms.Select)
