"""Official statistics on a crafted dataset whose answers are known (docs/domain.md §7, §10)."""

import csv

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casework.models import AuditEvent, StatisticsScope
from dashboards.scope import Filters, Scope
from dashboards.stats import HIDDEN_MARK, official_statistics, statistics_for, statistics_table_rows
from tests.fixtures.statistics import EXPECTED, build_statistics_world


@pytest.fixture
def stats_world(reference_data):
    return build_statistics_world()


def _march(world, **extra) -> Filters:
    return Filters(date_from=world.march[0], date_to=world.march[1], **extra)


def _province_scope(world) -> Scope:
    world.police.statistics_scope = StatisticsScope.PROVINCE
    world.police.save()
    return Scope.of(world.police)


def test_known_answers_for_march_in_lao_cai(stats_world):
    scope = _province_scope(stats_world)
    figures = statistics_for(scope, _march(stats_world), suppress=False).figures()
    for key, expected in EXPECTED.items():
        assert figures[key] == expected, key


def test_incidents_victims_and_child_figures_are_distinct(stats_world):
    """'2 incidents involving 5 victims, of which 1 incident with 2 child victims'."""
    scope = _province_scope(stats_world)
    figures = statistics_for(scope, _march(stats_world), suppress=False).figures()
    assert (figures["incidents"], figures["victims"]) == (2, 5)
    assert (figures["incidents_with_child_victims"], figures["child_victims"]) == (1, 2)
    assert figures["offenders"] == 4


def test_period_province_and_agency_narrow_the_figures(stats_world):
    national = Scope(level=StatisticsScope.NATIONAL, agency=stats_world.police)
    everything = statistics_for(national, Filters(), suppress=False).figures()
    # March in Lào Cai, plus the 2025 victim and the Hà Nội victim.
    assert everything["victims"] == EXPECTED["victims"] + 2
    assert everything["province." + str(stats_world.hanoi.reception_province_id)] == 1
    march = statistics_for(national, _march(stats_world), suppress=False).figures()
    assert march["victims"] == EXPECTED["victims"] + (1 if stats_world.hanoi.received_at.month == 3 else 0)
    own = statistics_for(Scope.of(stats_world.police_hn), Filters(), suppress=False).figures()
    assert own["victims"] == 1 and own["received"] == 1


def test_agency_scope_counts_only_its_own_cases(stats_world):
    scope = Scope.of(stats_world.social)
    assert scope.own_cases_only
    assert statistics_for(scope, Filters(), suppress=False).figures()["received"] == 0


def test_statistics_cost_a_fixed_number_of_queries(stats_world):
    scope = Scope(level=StatisticsScope.NATIONAL, agency=stats_world.police)
    with CaptureQueriesContext(connection) as few:
        # One period alone; the nested periods' cost is bounded in test_nested_periods.py.
        statistics_for(scope, _march(stats_world), suppress=True, nested=False)
    with CaptureQueriesContext(connection) as all_time:
        statistics_for(scope, Filters(), suppress=True)
    # 9 before the rollups (decision 245): the marks, the months, the marked months live and
    # the distinct incidents replace one scan of the cases.
    assert len(few.captured_queries) == len(all_time.captured_queries) <= 11


def test_suppressed_for_outsiders_hides_every_small_cell(stats_world):
    scope = _province_scope(stats_world)
    shown = statistics_for(scope, _march(stats_world), suppress=True).figures()
    assert all(value is None or value == 0 or value > 10 for value in shown.values())
    assert shown["victims"] is None and shown["sex.male"] is None


def test_export_rows_match_the_page_and_mark_hidden_cells(stats_world):
    scope = _province_scope(stats_world)
    with translation.override("en"):
        rows = statistics_table_rows(scope, _march(stats_world), suppress=True)
        open_rows = statistics_table_rows(scope, _march(stats_world), suppress=False)
    assert rows[0] == ["Official statistics – for sharing: figures of 1 to 10 are hidden", "", ""]
    assert open_rows[0][0] == "Official statistics – internal, true figures: not to be shared outside the agency"
    assert rows[1] == ["Table", "Figure", "Value"]
    assert ["Summary", "Victims identified", HIDDEN_MARK] in rows
    assert ["Summary", "Victims identified", 5] in open_rows
    assert ["Summary", "Incidents with child victims", 1] in open_rows


def test_export_stats_command_writes_the_same_figures(stats_world, tmp_path):
    target = tmp_path / "stats.csv"
    call_command(
        "export_stats",
        str(target),
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--province",
        "LCA",
        "--language",
        "en",
    )
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert ["Summary", "Victims identified", "5"] in rows
    assert ["Summary", "Offenders", "4"] in rows
    assert ["Victims by how they returned", "returned on their own", "2"] in rows
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, detail__command="export_stats").count() == 1
    xlsx = tmp_path / "stats.xlsx"
    call_command("export_stats", str(xlsx), "--from", "2026-03-01", "--to", "2026-03-31", "--shared")
    from openpyxl import load_workbook

    values = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert all(not isinstance(value, int) or value == 0 or value > 10 for row in values for value in row)
    # Decision 92: the shared file's first row says it may be shared, and what was hidden.
    assert values[0][0].startswith("Thống kê chính thức – để chia sẻ")
    assert rows[0][0].startswith("Official statistics") and "internal" in rows[0][0]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--from", "2026-13-01", "--to", "2026-03-31"], "Not a date"),
        (["--from", "2026-04-01", "--to", "2026-03-31"], "after"),
        (["--from", "2026-03-01", "--to", "2026-03-31", "--province", "XX"], "Unknown province"),
    ],
)
def test_export_stats_command_refuses_bad_arguments(reference_data, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_stats", str(tmp_path / "s.csv"), *arguments)
    assert not (tmp_path / "s.csv").exists()


def test_the_same_figures_through_any_queryset(stats_world):
    """official_statistics takes any case queryset (the HTCDS round trip compares with it)."""
    from casework.models import Case

    direct = official_statistics(
        Case.objects.filter(reception_province=stats_world.police.province, received_at__month=3), suppress=False
    ).figures()
    assert {key: direct[key] for key in EXPECTED} == EXPECTED
