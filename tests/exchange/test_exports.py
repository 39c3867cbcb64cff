"""Export jobs: who may ask, what the file holds (exactly the list, classes per row), the
audit rows, the progress bar, idempotence (QUALITY R2) and bounded queries (P9)."""

import csv
import datetime
import io
import time
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from casework import actions
from casework.case_filters import filter_cases, filter_form
from casework.models import (
    AuditEvent,
    CameToNotice,
    Case,
    CaseGrant,
    CaseGroupObjectPermission,
    Country,
    Person,
    PicklistValue,
    Province,
    Role,
    SensitivityClass,
    Sex,
)
from exchange import exports, tasks
from exchange.models import ExportJob
from tests.fixtures.personas import acting, make_case, make_user, sign_in
from tests.services import celery_worker

FOREIGN_NAME = "Vàng Thị Hư Cấu"
CORE_ONLY_NAME = "Hoàng Thị Xuyến"
HEADER_NAME_COLUMN = 10  # reference … exploitation forms, then full name, sex, birth year, ethnicity


@pytest.fixture
def export_world(world):
    """The Lào Cai police supervisor sees her agency's cases in full and one Hà Nội case
    with `core` only; another Hà Nội case is not hers at all."""
    hanoi_worker = make_user("hn.worker", world.other_police, Role.CASEWORKER)
    to_china = make_case(world.police, acting(world.owner), name="Phạm Thị Mai", birth_year=2000)
    Case.objects.filter(pk=to_china.pk).update(destination_country=Country.objects.get(alpha2="CN"))
    core_only = make_case(world.other_police, acting(hanoi_worker), name=CORE_ONLY_NAME, birth_year=1997)
    actions.grant_case(
        core_only,
        group=world.police.role_groups.get(role=Role.SUPERVISOR).group,
        classes=[SensitivityClass.CORE],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-TEST-EXPORT",
        actor=hanoi_worker,
    )
    foreign = make_case(world.other_police, acting(hanoi_worker), name=FOREIGN_NAME, birth_year=1995)
    world.to_china, world.core_only, world.foreign = to_china, core_only, foreign
    return world


def request_export(client, **data):
    """POST an export; the task queued on commit is captured, not run."""
    with mock.patch.object(tasks.run_export, "delay") as delay:
        response = client.post("/dashboards/exports/new/", {"format": "xlsx", **data})
    return response, delay


@pytest.fixture
def export(django_capture_on_commit_callbacks):
    """Ask for an export as a client and run the task it queued, as a worker would."""

    def run(client, **data):
        with (
            mock.patch.object(tasks.run_export, "delay") as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post("/dashboards/exports/new/", {"format": "xlsx", **data})
        assert response.status_code == 302, response.content
        job = ExportJob.objects.latest("created_at")
        delay.assert_called_once_with(job.pk)
        assert tasks.run_export(job.pk) is True
        job.refresh_from_db()
        return job

    return run


def read_rows(job: ExportJob) -> list[list]:
    with default_storage.open(job.file_name, "rb") as stored:
        content = stored.read()
    if job.format == "csv":
        assert content.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [["" if value is None else value for value in row] for row in workbook.active.iter_rows(values_only=True)]


def all_text(rows: list[list]) -> str:
    return "\n".join(" ".join(str(value) for value in row) for row in rows)


# 1. What the file holds ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_supervisor_exports_exactly_the_filtered_list_with_identity_only_where_held(export_world, export, fmt):
    world = export_world
    client = sign_in(world.supervisor)
    job = export(client, kind="cases", format=fmt, destination="none")
    assert job.status == ExportJob.Status.DONE
    header, *rows = read_rows(job)
    assert header[HEADER_NAME_COLUMN] in {"Họ và tên", "Full name"}
    by_reference = {row[0]: row for row in rows}
    expected = filter_cases(acting(world.supervisor), filter_form({"destination": "none"}).valid_data())
    assert set(by_reference) == set(expected.values_list("reference", flat=True))
    assert set(by_reference) == {world.case.reference, world.core_only.reference}
    assert job.row_count == len(rows) == 2
    own = by_reference[world.case.reference]
    assert own[HEADER_NAME_COLUMN] == "Nguyễn Thị Lan"
    assert own[HEADER_NAME_COLUMN + 1] not in ("", None)
    assert str(own[HEADER_NAME_COLUMN + 2]) == "1999"
    # The Hà Nội case is seen with core only: its identity columns are empty.
    assert by_reference[world.core_only.reference][HEADER_NAME_COLUMN:] == ["", "", "", ""]
    text = all_text(rows)
    assert CORE_ONLY_NAME not in text
    assert world.foreign.reference not in text and FOREIGN_NAME not in text
    assert world.to_china.reference not in text
    if fmt == "csv":
        raw = default_storage.open(job.file_name).read()
        for secret in (FOREIGN_NAME, CORE_ONLY_NAME, world.foreign.reference):
            assert secret.encode() not in raw


def test_core_columns_are_filled_in_the_language_of_the_request(export_world, export):
    world = export_world
    client = sign_in(world.supervisor)
    world.to_china.exploitation_forms.set(
        PicklistValue.objects.filter(list_name="exploitation_type", code__in=["ForcedLabour", "ForcedMarriage"])
    )
    client.cookies["django_language"] = "en"  # the language switch; the export follows it
    job = export(client, kind="cases", format="csv")
    assert job.language == "en"
    header, *rows = read_rows(job)
    assert header[:3] == ["Reference number", "Status", "Person status"]
    row = next(row for row in rows if row[0] == world.to_china.reference)
    assert row[1] == "reported"
    assert row[7] == "China"
    assert sorted(row[9].split("; ")) == ["Forced labour", "Forced marriage"]
    assert row[3] == timezone.localtime(world.to_china.received_at).strftime("%d/%m/%Y")


def test_htcds_rows_hold_only_visible_cases_and_held_classes(export_world, export):
    world = export_world
    job = export(sign_in(world.supervisor), kind="htcds", format="csv", destination="none")
    header, labels, *rows = read_rows(job)
    from exchange import htcds

    # IOM's template layout: its header (column A and one more unnamed), its labels, and
    # column A numbering the rows.
    assert header == ["" if name is None else name for name in htcds.HEADER_ROWS[0]]
    assert labels == ["" if label is None else label for label in htcds.HEADER_ROWS[1]]
    assert [row[0] for row in rows] == ["1", "2"]
    xlsx = export(sign_in(world.supervisor), kind="htcds", format="xlsx", destination="none")
    with default_storage.open(xlsx.file_name, "rb") as stored:
        sheet = load_workbook(stored, read_only=True).worksheets[0]
        assert sheet.title == htcds.SHEET_TITLE
        assert [list(row) for row in sheet.iter_rows(max_row=2, values_only=True)] == htcds.HEADER_ROWS
    text = all_text(rows)
    assert world.case.reference in text and world.core_only.reference in text
    assert job.row_count == len(rows) == 2
    assert "Lan" in text  # the own case's given name (identity held)
    assert "Xuyến" not in text and FOREIGN_NAME not in text and world.foreign.reference not in text
    assert world.to_china.reference not in text


def test_a_name_that_looks_like_a_formula_is_written_as_text(export_world, export):
    world = export_world
    Person.objects.filter(pk=world.case.person_id).update(full_name="=HYPERLINK(1)")
    xlsx = export(sign_in(world.supervisor), kind="cases", format="xlsx")
    assert any(row[HEADER_NAME_COLUMN] == "=HYPERLINK(1)" for row in read_rows(xlsx))
    with default_storage.open(xlsx.file_name, "rb") as stored:
        workbook = load_workbook(stored)
        assert all(cell.data_type != "f" for row in workbook.active.iter_rows() for cell in row)
    csv_job = export(sign_in(world.supervisor), kind="cases", format="csv")
    assert any(row[HEADER_NAME_COLUMN] == "'=HYPERLINK(1)" for row in read_rows(csv_job))


def test_statistics_are_exported_through_the_statistics_table(export_world, export):
    table = [["Table", "Figure", "Value"], ["Summary", "Received", 3], ["Summary", "Victims", "–"]]
    with mock.patch("dashboards.stats.statistics_table_rows", return_value=table) as rows:
        # For sharing: a whole calendar period that has ended (decision 171).
        job = export(
            sign_in(export_world.supervisor),
            kind="statistics",
            shared="on",
            date_from="2026-01-01",
            date_to="2026-03-31",
        )
    assert read_rows(job) == table
    scope, filters = rows.call_args.args
    assert scope.agency == export_world.police and str(filters.date_from) == "2026-01-01"
    assert rows.call_args.kwargs == {"suppress": True}
    assert job.shared and job.row_count == 2


def test_the_real_statistics_table_is_written_to_the_file(export_world, export):
    from dashboards import stats
    from dashboards.scope import Filters, Scope

    year = {"date_from": "2025-01-01", "date_to": "2025-12-31"}
    job = export(sign_in(export_world.supervisor), kind="statistics", format="csv", shared="on", **year)
    expected = stats.statistics_table_rows(Scope.of(export_world.police), Filters.from_params(year), suppress=True)
    written = read_rows(job)
    assert written[0] == [str(value) for value in expected[0]]
    assert len(written) == len(expected) and job.row_count == len(expected) - 1


def test_statistics_of_the_agency_own_cases_are_not_suppressed_unless_shared(export_world, export):
    with mock.patch("dashboards.stats.statistics_table_rows", return_value=[["h"]]) as rows:
        export(sign_in(export_world.supervisor), kind="statistics")
    assert rows.call_args.kwargs == {"suppress": False}


def test_an_export_fails_cleanly_when_the_membership_has_ended(
    export_world, export, django_capture_on_commit_callbacks
):
    world = export_world
    client = sign_in(world.supervisor)
    with mock.patch.object(tasks.run_export, "delay"), django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboards/exports/new/", {"kind": "cases", "format": "csv"})
    job = ExportJob.objects.get()
    world.supervisor.memberships.update(is_active=False)
    assert tasks.run_export(job.pk) is False
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.file_name == ""
    assert job.error == exports.MEMBERSHIP_ENDED


def test_a_broken_export_is_failed_with_a_message_and_leaves_no_file(export_world, tmp_path):
    world = export_world
    job = ExportJob.objects.create(
        requested_by=world.supervisor, agency=world.police, role=Role.SUPERVISOR, kind="cases", format="xlsx"
    )
    with mock.patch("exchange.exports._case_lines", side_effect=RuntimeError("boom")):
        assert tasks.run_export(job.pk) is False
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.error == exports.EXPORT_BROKE and job.file_name == ""
    assert not (tmp_path / "exports").exists() or not any((tmp_path / "exports").iterdir())
    page = sign_in(world.supervisor).get(f"/dashboards/exports/{job.public_id}/").content.decode()
    assert "boom" not in page and "Traceback" not in page and 'role="alert"' in page


# 2. Who may ask and download; the audit ------------------------------------------------


def test_asking_writes_an_export_audit_row_and_downloading_a_download_row(export_world, export):
    world = export_world
    client = sign_in(world.supervisor)
    job = export(client, kind="cases", format="csv", sex="female")
    row = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=world.supervisor)
    assert row.object_id == str(job.public_id) and row.agency_id == world.police.pk
    assert row.detail == {"kind": "cases", "format": "csv", "filters": {"sex": "female"}, "shared": False}
    response = client.get(f"/dashboards/exports/{job.public_id}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DOWNLOAD, actor=world.supervisor, object_id=str(job.public_id)
    ).exists()


@pytest.mark.parametrize("persona", ["owner", "shelter", "outsider"])
def test_other_roles_cannot_export_or_see_the_exports_page(export_world, persona):
    user = getattr(export_world, persona)
    client = sign_in(user)
    response, delay = request_export(client, kind="cases")
    assert response.status_code == 404
    assert client.get("/dashboards/exports/").status_code == 404
    assert not ExportJob.objects.exists()
    delay.assert_not_called()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=user).count() == 2


def test_someone_else_cannot_see_or_download_a_job(export_world, export):
    world = export_world
    job = export(sign_in(world.supervisor), kind="cases")
    other = sign_in(world.other_supervisor)
    for url in (f"/dashboards/exports/{job.public_id}/", f"/dashboards/exports/{job.public_id}/download/"):
        assert other.get(url).status_code == 404
    denied = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=world.other_supervisor)
    assert denied.count() == 2 and denied.first().detail == {"export": str(job.public_id)}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD).exists()
    assert job.public_id.hex not in other.get("/dashboards/exports/").content.decode().replace("-", "")


def test_the_requester_acting_for_another_agency_cannot_download_her_job(export_world, export):
    world = export_world
    actions.do_add_membership(world.supervisor, world.union, Role.SUPERVISOR, actor=None)
    job = export(sign_in(world.supervisor, world.police), kind="cases")
    elsewhere = sign_in(world.supervisor, world.union)
    assert elsewhere.get(f"/dashboards/exports/{job.public_id}/download/").status_code == 404
    assert str(job.public_id) not in elsewhere.get("/dashboards/exports/").content.decode()


def test_a_job_not_yet_done_cannot_be_downloaded(export_world):
    world = export_world
    job = ExportJob.objects.create(
        requested_by=world.supervisor, agency=world.police, role=Role.SUPERVISOR, kind="cases", format="csv"
    )
    assert sign_in(world.supervisor).get(f"/dashboards/exports/{job.public_id}/download/").status_code == 404


def test_an_unknown_job_is_404(export_world):
    client = sign_in(export_world.supervisor)
    assert client.get(f"/dashboards/exports/{uuid.uuid4()}/").status_code == 404


# 3. Idempotence --------------------------------------------------------------------------


def test_running_the_task_twice_leaves_one_file_and_the_same_job(export_world, export, tmp_path):
    job = export(sign_in(export_world.supervisor), kind="cases", format="csv")
    before = (job.status, job.row_count, job.file_name, job.finished_at)
    assert tasks.run_export(job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.row_count, job.file_name, job.finished_at) == before
    assert [path.name for path in (tmp_path / "exports").iterdir()] == [Path(job.file_name).name]


def test_a_run_that_lost_its_claim_publishes_nothing(export_world, tmp_path, settings):
    """A stale run (its worker thought dead) is taken over; the first run's file is dropped."""
    world = export_world
    job = ExportJob.objects.create(
        requested_by=world.supervisor, agency=world.police, role=Role.SUPERVISOR, kind="cases", format="csv"
    )
    original = exports._build

    def taken_over(job, token):
        result = original(job, token)
        ExportJob.objects.filter(pk=job.pk).update(claim=uuid.uuid4())
        return result

    with mock.patch("exchange.exports._build", side_effect=taken_over):
        assert exports.do_run_export(job.pk) is False
    assert not any((tmp_path / "exports").iterdir())


def test_a_stalled_job_is_published_again_and_claimed_once(export_world, settings):
    world = export_world
    settings.CAUNOI_EXPORT_STALE_SECONDS = 60
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    job = ExportJob.objects.create(
        requested_by=world.supervisor, agency=world.police, role=Role.SUPERVISOR, kind="cases", format="csv"
    )
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, heartbeat_at=long_ago)
    with mock.patch.object(tasks.run_export, "delay") as delay:
        assert tasks.requeue_exports() == 1
    delay.assert_called_once_with(job.pk)
    assert tasks.run_export(job.pk) is True
    assert tasks.run_export(job.pk) is False
    with mock.patch.object(tasks.run_export, "delay") as delay:
        assert tasks.requeue_exports() == 0


# 4. Bad input ----------------------------------------------------------------------------


BAD_REQUESTS = [
    {"kind": "everything"},
    {"kind": "cases", "format": "pdf"},
    {"kind": "cases", "sex": "yes"},
    {"kind": "cases", "received_from": "2026-13-45"},
    {"kind": "cases", "destination": "XX"},
    {"kind": "cases", "agency": "not-a-number"},
    {"kind": "statistics", "date_from": "soon"},
    {"kind": "statistics", "province_id": "-3"},
    {},
]


@pytest.mark.parametrize("data", BAD_REQUESTS)
def test_bad_input_is_a_400_with_a_message_and_no_job(export_world, data):
    client = sign_in(export_world.supervisor)
    response, delay = request_export(client, **data)
    assert response.status_code == 400
    assert b'data-testid="export-problems"' in response.content
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    delay.assert_not_called()


def test_asking_with_get_is_refused(export_world):
    assert sign_in(export_world.supervisor).get("/dashboards/exports/new/").status_code == 405


# 5. Progress ------------------------------------------------------------------------------


def test_the_status_shows_a_polling_progress_bar_while_running_and_the_link_when_done(export_world):
    world = export_world
    client = sign_in(world.supervisor)
    job = ExportJob.objects.create(
        requested_by=world.supervisor,
        agency=world.police,
        role=Role.SUPERVISOR,
        kind="cases",
        format="xlsx",
        status=ExportJob.Status.RUNNING,
        total=3000,
        done=1500,
    )
    url = f"/dashboards/exports/{job.public_id}/"
    running = client.get(url).content.decode()
    assert '<progress class="w-100 mt-2" max="100" value="50"' in running
    assert 'hx-trigger="every 2s"' in running and f'hx-get="{url}"' in running
    assert 'hx-swap="outerHTML"' in running and "/download/" not in running
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE, row_count=3000, file_name="x.xlsx")
    done = client.get(url).content.decode()
    assert "hx-trigger" not in done and "<progress" not in done
    assert f"/dashboards/exports/{job.public_id}/download/" in done


def test_the_exports_page_lists_my_jobs_newest_first(export_world, export):
    world = export_world
    client = sign_in(world.supervisor)
    first = export(client, kind="cases", format="csv")
    second = export(client, kind="cases", format="xlsx")
    page = client.get("/dashboards/exports/").content.decode()
    assert page.index(str(second.public_id)) < page.index(str(first.public_id))
    assert 'data-testid="export-cases"' in page and 'data-testid="export-htcds"' in page


def test_the_case_list_offers_both_exports_with_its_filters(export_world):
    page = sign_in(export_world.supervisor).get("/", {"status": "reported"}).content.decode()
    for kind in ("cases", "htcds"):
        form = page[page.index(f'data-testid="export-{kind}"') :]
        form = form[: form.index("</form>")]
        assert 'name="status" value="reported"' in form, kind


def test_an_htmx_request_gets_the_job_row(export_world):
    client = sign_in(export_world.supervisor)
    with mock.patch.object(tasks.run_export, "delay"):
        response = client.post("/dashboards/exports/new/", {"kind": "cases", "format": "csv"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'data-testid="export-job"' in response.content and b"<html" not in response.content


# 6. Streaming: the queries do not grow with the rows --------------------------------------


def bulk_cases(agency, count: int, start: int) -> None:
    """Many visible cases quickly: rows and the supervisor group's permissions, no actions."""
    province = Province.objects.get(code="LCA")
    people = Person.objects.bulk_create(
        Person(full_name=f"Người Thử {start + index}", sex=Sex.FEMALE, birth_year=1990) for index in range(count)
    )
    now = timezone.now()
    cases = Case.objects.bulk_create(
        Case(
            reference=f"LCA-2026-B{start + index:06d}",
            person=person,
            owning_agency=agency,
            status_changed_at=now,
            came_to_notice=CameToNotice.RESCUE,
            received_at=now,
            reception_province=province,
        )
        for index, person in enumerate(people)
    )
    group = agency.role_groups.get(role=Role.SUPERVISOR).group
    permissions = Permission.objects.filter(
        content_type__app_label="casework", codename__in=["view_case", "view_case_identity"]
    )
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(content_object=case, group=group, permission=permission)
        for case in cases
        for permission in permissions
    )


def run_counting(job: ExportJob) -> tuple[int, int]:
    """(queries other than progress updates, progress updates) of one run."""
    with CaptureQueriesContext(connection) as queries:
        assert exports.do_run_export(job.pk) is True
    statements = [query["sql"] for query in queries.captured_queries]
    progress = [sql for sql in statements if sql.startswith("UPDATE") and '"heartbeat_at"' in sql and '"done"' in sql]
    progress = [sql for sql in progress if '"status"' not in sql.split("WHERE")[0]]
    return len(statements) - len(progress), len(progress)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_of_thousands_streams_with_a_bounded_number_of_queries(export_world, fmt):
    world = export_world

    def job():
        return ExportJob.objects.create(
            requested_by=world.supervisor, agency=world.police, role=Role.SUPERVISOR, kind="cases", format=fmt
        )

    bulk_cases(world.police, 300, 0)
    small = job()
    few, few_progress = run_counting(small)
    bulk_cases(world.police, 2700, 300)
    large = job()
    many, many_progress = run_counting(large)
    large.refresh_from_db()
    small.refresh_from_db()
    assert large.status == ExportJob.Status.DONE and large.row_count == small.row_count + 2700
    assert large.row_count >= 3000
    assert many == few
    # One UPDATE of the progress every 500 rows.
    assert (few_progress, many_progress) == (small.row_count // 500, large.row_count // 500)


# 7. A real worker -------------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_export(world, tmp_path):
    with celery_worker(PRIVATE_MEDIA_ROOT=str(tmp_path)) as queue:
        client = sign_in(world.supervisor)
        # The view queues on the default queue; this test's worker listens on its own.
        with mock.patch.object(tasks.run_export, "delay") as delay:
            response = client.post("/dashboards/exports/new/", {"kind": "cases", "format": "csv"})
        assert response.status_code == 302
        job = ExportJob.objects.get()
        delay.assert_called_once_with(job.pk)
        tasks.run_export.apply_async(args=[job.pk], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.5)
        assert job.status == ExportJob.Status.DONE, job.error
        assert job.row_count == 1
        assert world.case.reference in read_rows(job)[1][0]
        download = client.get(f"/dashboards/exports/{job.public_id}/download/")
        assert download.status_code == 200


# 8. Files do not outlive their use -------------------------------------------------------


def test_old_export_files_are_deleted_once_and_the_job_says_so(export_world, export, settings):
    settings.CAUNOI_EXPORT_KEEP_HOURS = 72
    client = sign_in(export_world.supervisor)
    old = export(client, kind="cases", format="csv")
    recent = export(client, kind="cases", format="xlsx")
    ExportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=73))
    old_file = old.file_name
    assert default_storage.exists(old_file) and default_storage.exists(recent.file_name)

    assert tasks.expire_exports.apply().get() == 1
    assert tasks.expire_exports.apply().get() == 0  # a second run changes nothing (R2)
    old.refresh_from_db()
    assert (old.status, old.file_name) == (ExportJob.Status.EXPIRED, "")
    assert not default_storage.exists(old_file)
    assert default_storage.exists(recent.file_name)
    assert client.get(f"/dashboards/exports/{old.public_id}/download/").status_code == 404
    row = client.get(f"/dashboards/exports/{old.public_id}/").content.decode()
    assert "hx-trigger" not in row and 'data-status="expired"' in row
