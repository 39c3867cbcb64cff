"""Without the statistics mandate, statistics come only for whole calendar periods that have
ended (decision 171): the differencing probe of issue 17 (16 received from 1 to 21 March, 15
from 1 to 20 March: one person on 21 March) is refused with a 400 on the pages, in the export
and in `export_stats --shared`, and still answers the mandated supervisor."""

import datetime
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from casework.models import Role
from dashboards import periods
from exchange import tasks
from exchange.models import ExportJob
from tests.fixtures.personas import make_user, sign_in
from tests.fixtures.probes import received_cases

STATISTICS = reverse("dashboards:statistics")
DASHBOARD = reverse("dashboards:dashboard")
EXPORT_CREATE = reverse("exchange:export-create")
TO_21 = {"date_from": "2026-03-01", "date_to": "2026-03-21"}
TO_20 = {"date_from": "2026-03-01", "date_to": "2026-03-20"}
REFUSED = "trọn một tháng, quý, sáu tháng hoặc năm dương lịch đã kết thúc"


# 1. The periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "first", "last"),
    [
        ("2026", "2026-01-01", "2026-12-31"),
        ("2026-H2", "2026-07-01", "2026-12-31"),
        ("2026-Q1", "2026-01-01", "2026-03-31"),
        ("2024-02", "2024-02-01", "2024-02-29"),
    ],
)
def test_a_period_code_gives_its_days_and_back(code, first, last):
    days = (datetime.date.fromisoformat(first), datetime.date.fromisoformat(last))
    assert periods.bounds(code) == days
    assert periods.code_of(*days) == code


@pytest.mark.parametrize("code", ["", "26", "2026-Q5", "2026-13", "2026-00", "2026-H3", "abcd", "2026-1"])
def test_anything_else_is_no_period(code):
    assert periods.bounds(code) is None


def test_only_whole_periods_that_have_ended_are_fixed():
    today = datetime.date(2026, 11, 24)
    day = datetime.date
    assert periods.is_fixed(day(2026, 10, 1), day(2026, 10, 31), today)
    assert periods.is_fixed(day(2026, 7, 1), day(2026, 9, 30), today)
    assert periods.is_fixed(day(2025, 1, 1), day(2025, 12, 31), today)
    assert not periods.is_fixed(day(2026, 11, 1), day(2026, 11, 30), today)  # not over yet
    assert not periods.is_fixed(day(2026, 11, 1), day(2026, 11, 21), today)
    assert not periods.is_fixed(day(2026, 2, 1), day(2026, 4, 30), today)  # three months, not a quarter
    assert not periods.is_fixed(None, day(2026, 3, 31), today)
    choices = dict(periods.choices(today))
    assert "2026-10" in choices and "2026-Q3" in choices and "2025" in choices
    assert "2026-11" not in choices and "2026" not in choices and "2026-H2" not in choices
    assert periods.last_month(today) == (day(2026, 10, 1), day(2026, 10, 31))


# 2. The pages ----------------------------------------------------------------------------------


@pytest.fixture
def probe(province_world):
    """15 people received on 10 March, one more on 21 March, by the Lào Cai police; an agency
    administrator of the provincial agency (no mandate) and its supervisor (the mandate)."""
    w = province_world
    received_cases(w.police, w.worker, 15)
    received_cases(w.police, w.worker, 1, when=datetime.datetime(2026, 3, 21, 9, 0, tzinfo=datetime.UTC))
    w.admin = make_user("fp.admin", w.social, Role.AGENCY_ADMIN)
    return w


@pytest.mark.parametrize("url", [STATISTICS, DASHBOARD])
def test_the_differencing_probe_is_refused_without_the_mandate(probe, url):
    client = sign_in(probe.admin)
    for period in (TO_21, TO_20):
        response = client.get(url, period)
        assert response.status_code == 400
        assert REFUSED in response.content.decode()
    # A whole month that has ended answers, suppressed.
    response = client.get(url, {"period": "2026-03"})
    assert response.status_code == 200
    filters = response.context["filters"]
    assert (filters.date_from, filters.date_to) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    # The same month by its days, as the export button and old links give it.
    assert client.get(url, {"date_from": "2026-03-01", "date_to": "2026-03-31"}).status_code == 200


def test_the_mandated_supervisor_keeps_free_dates(probe):
    client = sign_in(probe.supervisor)
    to_21 = client.get(STATISTICS, TO_21)
    to_20 = client.get(STATISTICS, TO_20)
    assert to_21.status_code == to_20.status_code == 200
    assert (to_21.context["stats"].figures()["received"], to_20.context["stats"].figures()["received"]) == (16, 15)
    assert 'name="period"' not in to_21.content.decode()


def test_without_a_period_the_outsider_gets_last_month_and_a_choice_of_periods(probe):
    client = sign_in(probe.admin)
    response = client.get(STATISTICS)
    assert response.status_code == 200
    filters = response.context["filters"]
    assert (filters.date_from, filters.date_to) == periods.last_month(timezone.localdate())
    page = response.content.decode()
    assert 'name="period"' in page and "Quý 1 năm 2026" in page
    assert 'id="id_date_from"' not in page  # the days are not offered, only periods


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2026-13"},
        {"period": "<script>"},
        {"date_from": "2026-03-01"},
        {"date_to": "2026-03-31"},
        {"date_from": "2026-03-01", "date_to": "2026-02-28"},
        {"date_from": "không phải ngày"},
    ],
)
def test_a_bad_period_is_a_400_with_the_message_not_a_500(probe, params):
    response = sign_in(probe.admin).get(STATISTICS, params)
    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_the_month_under_way_is_not_a_fixed_period(probe):
    first = timezone.localdate().replace(day=1)
    last = periods.bounds(f"{first:%Y-%m}")[1]
    response = sign_in(probe.admin).get(STATISTICS, {"date_from": first.isoformat(), "date_to": last.isoformat()})
    assert response.status_code == 400


# 3. The exports --------------------------------------------------------------------------------


def post_export(client, **data):
    with mock.patch.object(tasks.run_export, "delay"):
        return client.post(EXPORT_CREATE, {"format": "csv", "kind": "statistics", **data})


def test_a_statistics_export_without_the_mandate_takes_fixed_periods_only(probe):
    client = sign_in(probe.admin)
    for period in (TO_21, TO_20):
        response = post_export(client, **period)
        assert response.status_code == 400
        assert REFUSED in response.content.decode()
    assert post_export(client).status_code == 400  # all time keeps changing
    assert not ExportJob.objects.exists()
    assert post_export(client, date_from="2026-01-01", date_to="2026-03-31").status_code == 302


def test_the_supervisor_exports_free_dates_but_shares_fixed_periods_only(probe):
    client = sign_in(probe.supervisor)
    assert post_export(client, **TO_21).status_code == 302
    assert post_export(client, shared="on", **TO_20).status_code == 400
    assert post_export(client, shared="on", date_from="2026-03-01", date_to="2026-03-31").status_code == 302
    assert ExportJob.objects.count() == 2


def test_a_job_for_suppressed_figures_over_free_dates_fails_when_it_runs(probe, settings, tmp_path):
    """A job stored before the rule (or forged) is not written."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.create(
        requested_by=probe.admin,
        agency=probe.social,
        role=Role.AGENCY_ADMIN,
        kind=ExportJob.Kind.STATISTICS,
        format=ExportJob.Format.CSV,
        params=TO_21,
        heartbeat_at=timezone.now(),
    )
    tasks.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file_name


def test_export_stats_shares_fixed_periods_only(probe, tmp_path):
    with pytest.raises(CommandError, match="whole calendar"):
        call_command("export_stats", str(tmp_path / "s.csv"), "--from", "2026-03-01", "--to", "2026-03-21", "--shared")
    call_command("export_stats", str(tmp_path / "q.csv"), "--from", "2026-01-01", "--to", "2026-03-31", "--shared")
    call_command("export_stats", str(tmp_path / "i.csv"), "--from", "2026-03-01", "--to", "2026-03-21")
    assert (tmp_path / "q.csv").exists() and (tmp_path / "i.csv").exists()
