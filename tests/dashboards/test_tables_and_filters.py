"""The dashboard's live tables built in Python (dashboards.tables) and its filter form kept per
process (dashboards.views.dashboard.filter_forms): the markup the templates gave, escaped, and a
kept form never shows another request's typing or an outdated agency list."""

import datetime
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from casework.models import Agency, Province, Role, StatisticsScope
from dashboards import rollups, tables
from dashboards.views import dashboard as dashboard_views
from tests.fixtures.personas import make_user, sign_in
from tests.fixtures.shelters import make_facility
from tests.fixtures.statistics import build_statistics_world, overdue_referral

DASHBOARD = reverse("dashboards:dashboard")
STATISTICS = reverse("dashboards:statistics")
FORM = re.compile(r'<form method="get"[^>]*data-testid="period-filters".*?</form>', re.S)

# The rows as dashboard.html rendered them before dashboards.tables, one template per row.
OVERDUE_TEMPLATE = (
    '<tr data-testid="overdue-row"><td>{{ row.agency }}</td><td class="text-end"><span class="badge '
    'text-bg-warning">{{ row.count }}</span></td><td class="text-end">{{ row.escalated }}</td><td>'
    '{{ row.oldest_due|date:"d/m/Y H:i" }}</td></tr>'
)
FACILITY_TEMPLATE = (
    '<tr><td>{{ facility.label }}</td><td class="text-end">{{ facility.beds_occupied }}</td><td class="text-end">'
    '{{ facility.beds_held }}</td><td class="text-end">{{ facility.beds_free }}</td><td class="text-end">'
    "{{ facility.beds_total }}</td></tr>"
)


def _by_template(source: str, name: str, items) -> str:
    template = Template(source)
    return "\n".join(template.render(Context({name: item})) for item in items)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_overdue_rows_are_the_templates_markup(language):
    due = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)  # 2 March 06:30 in Hà Nội
    rows = [
        {"agency": 'Sở Y tế <script>alert("x")</script>', "code": "a", "count": 12, "escalated": 0, "oldest_due": due},
        {"agency": "Công an & Biên phòng", "code": "b", "count": 1234567, "escalated": 3, "oldest_due": None},
    ]
    with translation.override(language):
        built = tables.overdue_rows(rows)
        assert built == _by_template(OVERDUE_TEMPLATE, "row", rows)
    assert "<script>" not in built and "02/03/2026 06:30" in built


@pytest.mark.parametrize("thousands", [False, True])
def test_the_facility_rows_are_the_templates_markup(settings, thousands):
    settings.USE_THOUSAND_SEPARATOR = thousands
    facilities = [
        tables.FacilityRow("Trung tâm <b>Bảo trợ</b>", 3, 1, 20, 24),
        tables.FacilityRow("Nhà tạm lánh Lào Cai", 0, 0, 1500, 1500),
    ]
    with translation.override("en"):  # English groups by three; Django's Vietnamese formats do not group
        built = tables.facility_rows(facilities)
        assert built == _by_template(FACILITY_TEMPLATE, "facility", facilities)
    assert "<b>" not in built
    assert ("1,500" in built) == thousands


@pytest.fixture
def national(reference_data):
    world = build_statistics_world()
    world.national = make_user("st.national", world.social, Role.SUPERVISOR)
    world.social.statistics_scope = StatisticsScope.NATIONAL
    world.social.save()
    return world


@pytest.fixture
def kept_forms(settings):
    """The filter form kept as in production (the test settings turn the choices cache off)."""
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 300
    dashboard_views.filter_forms.clear()
    yield dashboard_views.filter_forms
    dashboard_views.filter_forms.clear()


def _form(response) -> str:
    return FORM.search(response.content.decode()).group(0)


def test_the_dashboard_shows_its_live_tables(national):
    overdue_referral(national)
    make_facility("NBY1", beds=3)
    response = sign_in(national.national).get(DASHBOARD)
    page = response.content.decode()
    assert page.count('data-testid="overdue-row"') == 1
    assert f"<td>{national.social.label}</td>" in page
    (facility,) = response.context["data"].facilities
    assert isinstance(facility, tables.FacilityRow)  # plain values in the cache, not a model
    row = '<tr><td>Nhà Bình yên NBY1</td><td class="text-end">0</td><td class="text-end">0</td>'
    assert row + '<td class="text-end">3</td><td class="text-end">3</td></tr>' in page


def test_a_kept_filter_form_is_the_form_rendered_anew(national, kept_forms, settings):
    client = sign_in(national.national)
    first = client.get(DASHBOARD)
    assert len(kept_forms) == 1
    kept = client.get(DASHBOARD)
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 0  # nothing kept: rendered from the form
    fresh = client.get(DASHBOARD)
    assert _form(first) == _form(kept) == _form(fresh)
    assert national.social.label in _form(kept)
    # The dashboard's unbound form shows its default period; the statistics page's shows none,
    # so it is a form of its own.
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 300
    start = first.context["filters"].date_from.isoformat()
    statistics = _form(client.get(STATISTICS))
    assert f'value="{start}"' in _form(kept) and f'value="{start}"' not in statistics
    assert len(kept_forms) == 2


def test_the_kept_filter_form_shows_what_each_request_chose(national, kept_forms):
    client = sign_in(national.national)
    police = client.get(DASHBOARD, {"agency": national.police.pk})
    social = client.get(DASHBOARD, {"agency": national.social.pk})
    assert f'<option value="{national.police.pk}" selected>' in _form(police)
    assert f'<option value="{national.social.pk}" selected>' in _form(social)
    assert f'<option value="{national.police.pk}" selected>' not in _form(social)
    assert len(kept_forms) == 2


def test_a_bad_filter_is_shown_with_what_was_typed_and_never_kept(national, kept_forms):
    client = sign_in(national.national)
    response = client.get(DASHBOARD, {"date_from": "2026-02-30"})
    assert response.status_code == 400
    assert 'value="2026-02-30"' in _form(response)
    assert len(kept_forms) == 0
    assert 'value="2026-02-30"' not in _form(client.get(DASHBOARD))


def test_a_new_agency_shows_in_the_kept_filter_form_at_once(national, kept_forms):
    client = sign_in(national.national)
    client.get(DASHBOARD)
    Agency.objects.create(name="Đồn Biên phòng Mới", kind=national.police.kind, province=national.police.province)
    assert "Đồn Biên phòng Mới" in _form(client.get(DASHBOARD))


def test_a_kept_filter_form_is_kept_per_scope(national, kept_forms):
    national.police.statistics_scope = StatisticsScope.PROVINCE
    national.police.save()
    province = make_user("st.province", national.police, Role.SUPERVISOR)
    national_form = _form(sign_in(national.national).get(DASHBOARD))
    province_form = _form(sign_in(province).get(DASHBOARD))
    assert 'name="province"' in national_form and 'name="province"' not in province_form
    assert len(kept_forms) == 2


def test_the_national_dashboard_keeps_the_province_ids_with_the_options(national, kept_forms):
    """The province ids of the national live counts come from the cache, and a new province is
    in them at once (decision 322)."""
    client = sign_in(national.national)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    from_provinces = [query["sql"] for query in captured.captured_queries if 'FROM "casework_province"' in query["sql"]]
    assert from_provinces == []
    province = Province.objects.create(code="ZZ", name="Tỉnh Thử", name_en="Test Province")
    assert province.pk in rollups._province_ids()
    assert sorted(rollups._province_ids()) == sorted(Province.objects.values_list("pk", flat=True))


def test_claims_and_payments_are_one_statement_with_their_figures(national):
    """The dashboard's claims (decided, waiting, amount) and payments (net amount, people)
    come from one UNION ALL: a query fewer for every dashboard (decision 324), the same figures."""
    client = sign_in(national.national)
    with CaptureQueriesContext(connection) as captured:
        data = client.get(DASHBOARD).context["data"]
    statements = [query["sql"] for query in captured.captured_queries if '"casework_payment"' in query["sql"]]
    assert len(statements) == 1 and '"casework_claim"' in statements[0] and "UNION ALL" in statements[0]
    assert (data.claims_approved, data.claims_refused, data.claims_waiting) == (0, 0, 0)
    assert (data.approved_vnd, data.paid_vnd) == (0, 0)
