"""End to end, in a real browser: a provincial supervisor signs in, narrows the dashboard to a
period, sees an overdue referral step flagged for the agency that has to act, opens the
official statistics and downloads them as an XLSX built by a background export job.

The supervisor has the province as statistics scope, so its pages show the true figures
(decision 91) and say they are for use within the agency; the file it exports "for sharing"
is small-cell suppressed, says so in its name, and contains no figure of 1 to 10.
"""

import io
import pathlib
import re

import pytest
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from playwright.sync_api import expect

from casework.models import AuditEvent, Role, StatisticsScope
from exchange.models import ExportJob
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in, vietnamese
from tests.fixtures.personas import make_user
from tests.fixtures.statistics import build_statistics_world, overdue_referral


@pytest.mark.browser
@pytest.mark.usefixtures("eager_celery")
def test_provincial_supervisor_filters_sees_overdue_and_downloads_statistics(
    live_server,
    reference_data,
    new_page,
):
    from dashboards.stats import HIDDEN_MARK

    world = build_statistics_world()
    world.police.statistics_scope = StatisticsScope.PROVINCE
    world.police.save()
    make_user("e2e.giamsat", world.police, Role.SUPERVISOR)
    overdue_referral(world)

    page = new_page("supervisor")
    sign_in(page, live_server.url, "e2e.giamsat")
    page.click("[data-testid=dashboard-link]")
    expect(page).to_have_url(re.compile(r"/dashboards/$"))
    expect(page.locator("[data-testid=scope]")).to_have_text(world.police.province.label)

    # Narrow to March 2026.
    page.fill("[name=date_from]", "2026-03-01")
    page.fill("[name=date_to]", "2026-03-31")
    with page.expect_navigation():
        page.click("[data-testid=apply-filters]")
    expect(page).to_have_url(re.compile(r"date_from=2026-03-01"))
    expect(page.locator("[data-testid=period]")).to_contain_text("01/03/2026 – 31/03/2026")
    # Seven people in Lào Cai in March: the supervisor's own scope, so the true figure.
    expect(page.locator("[data-testid=received]")).to_have_text("7")

    overdue = page.locator("[data-testid=overdue-row]")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text(world.social.name)
    expect(overdue.locator(".badge")).to_have_text("1")
    assert world.cases[0].reference not in page.content()

    # The statistics for the same period, exported as XLSX in the background.
    with page.expect_navigation():
        page.click("a[href^='/dashboards/statistics/']")
    expect(page.locator("[data-testid=internal-note]")).to_be_visible()
    expect(page.locator("[data-testid=figure-victims]")).not_to_have_text(HIDDEN_MARK)
    export = page.locator("[data-testid=export-statistics]")
    export.locator("[name=format]").select_option("xlsx")
    export.locator("[name=shared]").check()
    with page.expect_navigation():
        export.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboards/exports/"))
    job = page.locator("[data-testid=export-job]").first
    expect(job).to_have_attribute("data-status", "done", timeout=20_000)
    with page.expect_download() as download_info:
        job.locator("[data-testid=export-download]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert "de-chia-se" in download.suggested_filename
    # openpyxl goes by the file name's extension; the download's temporary file has none.
    content = io.BytesIO(pathlib.Path(download.path()).read_bytes())
    rows = list(load_workbook(content).active.iter_rows(values_only=True))
    # The first row says what the file is; then the table's header.
    assert "để chia sẻ" in rows[0][0]
    assert rows[1][:3] == tuple(vietnamese(_(label)) for label in ("Table", "Figure", "Value"))
    values = [row[2] for row in rows[2:] if row and len(row) > 2]
    assert HIDDEN_MARK in values
    assert all(not isinstance(value, int) or value == 0 or value > 10 for value in values)

    stored = ExportJob.objects.get()
    assert (stored.kind, stored.format, stored.status) == ("statistics", "xlsx", "done")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, username="e2e.giamsat").count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD, username="e2e.giamsat").count() == 1
    assert_clean(page)
