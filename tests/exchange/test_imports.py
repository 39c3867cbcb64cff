"""HTCDS import jobs from the web (docs/domain.md §7): who may upload, what is checked at once,
what the worker imports or refuses, the audit rows, the deleted file, idempotence (QUALITY
R2), bad uploads (S7), access (S3, S4) and the page's query count."""

import csv
import datetime
import io
import threading
import time
import uuid
import zipfile
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from casework import actions
from casework.models import AuditEvent, Case, Membership, Person, Role, User
from devdata.htcds_rows import as_csv
from exchange import htcds, imports, tasks
from exchange.htcds import importer
from exchange.htcds.files import NOT_A_TABLE, OLD_EXCEL
from exchange.models import ImportJob
from tests.fixtures.imports import rows_refused_at
from tests.fixtures.personas import make_agency, make_user, sign_in
from tests.fixtures.statistics import build_statistics_world
from tests.services import celery_worker

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in their English source, whatever translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def import_world(reference_data):
    """The Lào Cai police's cases exported as HTCDS, and the Lào Cai social protection office
    whose administrator imports them."""
    source = build_statistics_world()
    agency = make_agency("im-social", "social_protection", "LCA")
    stream = io.BytesIO()
    rows = htcds.export_htcds(
        Case.objects.filter(owning_agency=source.police), stream, fmt="csv", classes_for=htcds.EXPORT_CLASSES
    )
    return SimpleNamespace(
        source=source,
        agency=agency,
        admin=make_user("im.admin", agency, Role.AGENCY_ADMIN),
        other_admin=make_user("im.admin2", agency, Role.AGENCY_ADMIN),
        caseworker=make_user("im.worker", agency, Role.CASEWORKER),
        supervisor=make_user("im.supervisor", agency, Role.SUPERVISOR),
        shelter=make_user("im.shelter", agency, Role.SHELTER_STAFF),
        csv=stream.getvalue(),
        rows=rows,
        external_ids={
            str(public_id)
            for public_id in Case.objects.filter(owning_agency=source.police).values_list("public_id", flat=True)
        },
    )


def signed_in(user, *membership):
    """A client signed in with the English switch: the messages are asserted in English."""
    client = sign_in(user, *membership)
    client.cookies["django_language"] = "en"
    return client


def upload(client, content: bytes | None, name: str = "cases.csv"):
    """POST a file; the task queued on commit is captured, not run."""
    data = {} if content is None else {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    with mock.patch.object(tasks.run_import, "delay") as delay:
        response = client.post("/dashboards/imports/new/", data)
    return response, delay


@pytest.fixture
def run_upload(django_capture_on_commit_callbacks):
    """Upload as a client and run the task it queued, as a worker would."""

    def run(client, content: bytes, name: str = "cases.csv") -> ImportJob:
        with (
            mock.patch.object(tasks.run_import, "delay") as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post("/dashboards/imports/new/", {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 302, response.content
        job = ImportJob.objects.latest("created_at")
        delay.assert_called_once_with(job.pk)
        tasks.run_import(job.pk)
        job.refresh_from_db()
        return job

    return run


def stored_files() -> list[str]:
    if not default_storage.exists(imports.STORAGE_FOLDER):
        return []
    return default_storage.listdir(imports.STORAGE_FOLDER)[1]


def edit_csv(content: bytes, changes: dict[int, dict[str, str]]) -> bytes:
    """Change cells of the data rows (0 = the first row after the header and the labels);
    columns by position, as the export's header leaves two blank."""
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    names = ["", *htcds.COLUMNS]
    for index, cells in changes.items():
        for column, value in cells.items():
            table[index + 2][names.index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out).writerows(table)
    return out.getvalue().encode("utf-8")


def counts() -> tuple[int, int]:
    return Case.objects.count(), Person.objects.count()


# 1. Importing ------------------------------------------------------------------------------


def test_an_agency_admin_imports_a_valid_file_into_her_agency(import_world, run_upload):
    world = import_world
    client = signed_in(world.admin)
    job = run_upload(client, world.csv, name="../lao-cai/cases.csv")
    assert job.status == ImportJob.Status.DONE, (job.error, job.problems)
    assert (job.created, job.updated, job.unchanged) == (world.rows, 0, 0)
    assert (job.done, job.total) == (world.rows, world.rows)
    imported = Case.objects.filter(owning_agency=world.agency)
    assert set(imported.values_list("external_id", flat=True)) == world.external_ids
    assert (job.agency, job.role, job.file_name, job.size) == (
        world.agency,
        Role.AGENCY_ADMIN,
        "cases.csv",
        len(world.csv),
    )
    # The upload's audit row, then the importer's rows as the administrator.
    uploaded = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="importjob")
    assert (uploaded.actor, uploaded.agency, uploaded.object_id) == (world.admin, world.agency, str(job.public_id))
    assert (uploaded.detail["htcds_upload"], uploaded.detail["size"]) == ("cases.csv", len(world.csv))
    summary = AuditEvent.objects.get(detail__htcds_import="cases.csv", case__isnull=True)
    assert (summary.actor, summary.agency_id, summary.detail["created"]) == (world.admin, world.agency.pk, world.rows)
    assert AuditEvent.objects.filter(case__in=imported, actor=world.admin, action=AuditEvent.Action.CREATE).exists()
    # The file held personal data: gone once imported.
    assert job.stored_name == "" and stored_files() == []
    page = client.get("/dashboards/imports/")
    assert page.status_code == 200
    assert b'data-testid="import-counts"' in page.content
    assert f'data-testid="import-created">{world.rows}<'.encode() in page.content


def test_the_file_is_kept_under_a_random_name_until_the_worker_runs(import_world):
    world = import_world
    response, delay = upload(signed_in(world.admin), world.csv, name="danh-sach-nan-nhan.csv")
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED
    assert "danh-sach" not in job.stored_name and job.stored_name.startswith("imports/")
    with default_storage.open(job.stored_name, "rb") as stored:
        assert stored.read() == world.csv
    assert len(job.sha256) == 64
    assert job.language == "en"


def test_importing_the_same_file_again_updates_and_creates_no_duplicates(import_world, run_upload):
    world = import_world
    client = signed_in(world.admin)
    first = run_upload(client, world.csv)
    again = run_upload(client, world.csv)
    assert again.status == ImportJob.Status.DONE, again.problems
    assert again.created == 0
    assert again.updated + again.unchanged == world.rows == first.created
    assert again.unchanged == world.rows
    assert Case.objects.filter(owning_agency=world.agency).count() == world.rows
    changed = run_upload(client, edit_csv(world.csv, {0: {"cnx_Reference": "LCA-2026-SỬA"}}))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 0, world.rows)  # not a case fact
    renamed = run_upload(client, edit_csv(world.csv, {0: {"prs_FirstName": "Sửa"}}))
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, world.rows - 1)
    assert Case.objects.filter(owning_agency=world.agency).count() == world.rows


def test_a_file_with_problems_is_refused_whole_with_each_row_and_column(import_world, run_upload):
    world = import_world
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    content = edit_csv(
        world.csv,
        {0: {"vic_TypeOfExploitation": "Slavery"}, 1: {"cnx_ReceivedAt": tomorrow + "T08:00:00+07:00"}},
    )
    before = counts()
    client = signed_in(world.admin)
    job = run_upload(client, content)
    assert job.status == ImportJob.Status.REFUSED
    assert {(problem["row"], problem["column"]) for problem in job.problems} == {
        (3, "vic_TypeOfExploitation"),
        (4, "cnx_ReceivedAt"),
    }
    assert job.problem_count == 2
    assert counts() == before
    assert not Case.objects.filter(owning_agency=world.agency).exists()
    assert (job.created, job.updated, job.unchanged, job.done) == (0, 0, 0, 0)
    assert job.stored_name == "" and stored_files() == []
    page = client.get(f"/dashboards/imports/{job.public_id}/").content.decode()
    assert "Nothing was imported. Correct the file and upload it again." in page
    assert "stopped part-way" not in page and 'data-testid="import-counts"' not in page
    assert 'data-testid="import-problems"' in page
    assert "<td>4</td><td><code>cnx_ReceivedAt</code></td><td>The date is in the future.</td>" in page
    assert "hx-get" not in page


def test_problems_beyond_the_cap_are_counted_not_stored(import_world, run_upload, monkeypatch):
    world = import_world
    monkeypatch.setattr(imports, "MAX_PROBLEMS", 1)
    content = edit_csv(world.csv, {0: {"prs_Gender": "Nope"}, 1: {"prs_Gender": "Nope"}, 2: {"prs_Gender": "Nope"}})
    client = signed_in(world.admin)
    job = run_upload(client, content)
    assert (job.status, len(job.problems), job.problem_count) == (ImportJob.Status.REFUSED, 1, 3)
    assert "And 2 more problems." in client.get("/dashboards/imports/").content.decode()


def test_a_file_that_only_looks_like_a_table_is_refused_by_the_worker(import_world, run_upload):
    world = import_world
    job = run_upload(signed_in(world.admin), b"cnx_ExternalId;prs_Shoe\n1;2\n")
    assert job.status == ImportJob.Status.REFUSED
    assert {(problem["row"], problem["column"]) for problem in job.problems} >= {(1, "prs_Shoe")}


def test_the_import_fails_cleanly_when_the_uploader_is_no_longer_an_administrator(import_world, run_upload):
    world = import_world
    with mock.patch.object(tasks.run_import, "delay"):
        upload(signed_in(world.admin), world.csv)
    job = ImportJob.objects.get()
    Membership.objects.filter(user=world.admin).update(is_active=False)
    assert tasks.run_import(job.pk) is False
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error == imports.MEMBERSHIP_ENDED
    assert not Case.objects.filter(owning_agency=world.agency).exists()
    assert job.stored_name == "" and stored_files() == []


def test_an_unexpected_error_fails_the_job_without_a_traceback(import_world, caplog):
    world = import_world
    upload(signed_in(world.admin), world.csv)
    job = ImportJob.objects.get()
    with mock.patch.object(htcds, "import_htcds", side_effect=RuntimeError("boom at line 12")):
        assert tasks.run_import(job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.error) == (ImportJob.Status.FAILED, imports.IMPORT_BROKE)
    assert "boom" not in job.error and "import" in caplog.text
    assert stored_files() == []


def test_the_importer_reports_its_progress_up_to_every_row(import_world):
    world = import_world
    seen = []
    source = io.BytesIO(world.csv)
    source.name = "cases.csv"
    report = htcds.import_htcds(
        source, agency=world.agency, actor=world.admin, on_progress=lambda done, total: seen.append((done, total))
    )
    assert report.ok
    assert seen[0] == (0, world.rows) and seen[-1] == (world.rows, world.rows)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_an_import_stopped_part_way_counts_the_rows_it_wrote(import_world, run_upload, monkeypatch):
    """Chunks of 2 rows and row 6 (the fifth of six) refused while writing: the first two chunks
    are in. The job is refused with their counts, and its page says how many rows are in and
    that the same file finds them again (decision 303)."""
    world = import_world
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    rows = rows_refused_at(4)
    client = signed_in(world.admin)
    job = run_upload(client, as_csv(rows))
    imported = Case.objects.filter(owning_agency=world.agency)
    assert job.status == ImportJob.Status.REFUSED
    assert job.created == imported.count() == 4
    assert (job.updated, job.unchanged, job.done) == (0, 0, 4)
    [problem] = job.problems
    assert problem["row"] == 6 and "The import stopped after 4 rows" in problem["message"]
    page = client.get(f"/dashboards/imports/{job.public_id}/").content.decode()
    assert "The import stopped part-way: 4 rows were imported before the problem below." in page
    assert "the rows already imported are found, not registered twice" in page
    assert 'data-testid="import-created">4<' in page and 'data-testid="import-unchanged">0<' in page
    assert '<span class="badge text-bg-warning" data-testid="import-stopped">stopped part-way</span>' in page
    assert "Nothing was imported" not in page
    assert 'data-testid="import-problems"' in page and "<td>6</td>" in page
    # Put right and uploaded again: the four are found, not registered twice.
    rows[4].update({"cnx_CaseStatus": "reported", "vic_TraffickingStatus": "PossibleVictimOfTrafficking"})
    rows[4]["cnx_IdentifiedOn"] = ""
    again = run_upload(client, as_csv(rows))
    assert (again.status, again.created, again.updated, again.unchanged) == (ImportJob.Status.DONE, 2, 0, 4)
    assert imported.count() == 6
    # Vietnamese first: the page of the stopped job in the default language.
    client.cookies["django_language"] = "vi"
    page = client.get(f"/dashboards/imports/{job.public_id}/").content.decode()
    assert "Việc nhập dừng giữa chừng: 4 dòng đã được nhập trước khi gặp vấn đề dưới đây." in page
    assert "dừng giữa chừng</span>" in page


def test_an_import_refused_at_its_first_written_row_says_nothing_was_imported(import_world, run_upload, monkeypatch):
    """Refused while writing, but at the first row: nothing is in, the counts stay 0."""
    world = import_world
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    client = signed_in(world.admin)
    job = run_upload(client, as_csv(rows_refused_at(0)))
    assert job.status == ImportJob.Status.REFUSED
    assert not Case.objects.filter(owning_agency=world.agency).exists()
    assert (job.created, job.updated, job.unchanged, job.done) == (0, 0, 0, 0)
    [problem] = job.problems
    assert problem["row"] == 2 and problem["message"].startswith("Nothing was imported: ")
    page = client.get(f"/dashboards/imports/{job.public_id}/").content.decode()
    assert "Nothing was imported. Correct the file and upload it again." in page
    assert "stopped part-way" not in page and 'data-testid="import-counts"' not in page


# 2. Refused uploads ---------------------------------------------------------------------


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # lazy: translated in the test, under the English override, not at collection
        (PNG, NOT_A_TABLE),
        (bytes(range(256)) * 4, NOT_A_TABLE),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), OLD_EXCEL),
        (_zip_without_workbook(), NOT_A_TABLE),
        (b"", "The submitted file is empty."),
        (None, "This field is required."),
    ],
    ids=["png", "random", "xls", "zip", "empty", "missing"],
)
def test_a_bad_upload_is_a_400_with_a_message_and_stores_nothing(import_world, content, message):
    response, delay = upload(signed_in(import_world.admin), content)
    assert response.status_code == 400
    assert str(message) in response.content.decode()
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert not ImportJob.objects.exists()
    assert stored_files() == []
    delay.assert_not_called()


def test_a_file_over_the_limit_is_refused_before_it_is_stored(import_world, settings):
    settings.IMPORT_MAX_BYTES = 100
    response, delay = upload(signed_in(import_world.admin), import_world.csv)
    assert response.status_code == 400
    assert "at most 100\xa0bytes can be imported at once" in response.content.decode()
    assert not ImportJob.objects.exists() and stored_files() == []
    delay.assert_not_called()


def test_a_workbook_is_accepted_at_upload(import_world):
    stream = io.BytesIO()
    htcds.export_htcds(
        Case.objects.filter(owning_agency=import_world.source.police),
        stream,
        fmt="xlsx",
        classes_for=htcds.EXPORT_CLASSES,
    )
    response, delay = upload(signed_in(import_world.admin), stream.getvalue(), name="cases.xlsx")
    assert response.status_code == 302
    assert ImportJob.objects.get().file_name == "cases.xlsx"


# 3. Access ---------------------------------------------------------------------------------


def denied_rows(user) -> int:
    return AuditEvent.objects.filter(actor=user, action=AuditEvent.Action.DENIED).count()


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "shelter"])
def test_other_roles_get_404_and_a_denied_row_on_every_import_url(import_world, persona):
    world = import_world
    upload(signed_in(world.admin), world.csv)
    job = ImportJob.objects.get()
    user = getattr(world, persona)
    client = signed_in(user)
    assert client.get("/dashboards/imports/").status_code == 404
    response, delay = upload(client, world.csv)
    assert response.status_code == 404
    delay.assert_not_called()
    assert client.get(f"/dashboards/imports/{job.public_id}/").status_code == 404
    assert denied_rows(user) == 3
    assert ImportJob.objects.count() == 1
    assert 'data-testid="imports-link"' not in client.get("/").content.decode()


def test_another_admin_cannot_see_or_poll_the_job(import_world):
    world = import_world
    upload(signed_in(world.admin), world.csv)
    job = ImportJob.objects.get()
    client = signed_in(world.other_admin)
    assert client.get(f"/dashboards/imports/{job.public_id}/").status_code == 404
    assert denied_rows(world.other_admin) == 1
    assert job.file_name not in client.get("/dashboards/imports/").content.decode()


def test_the_uploader_acting_for_another_agency_cannot_see_her_job(import_world):
    world = import_world
    upload(signed_in(world.admin), world.csv)
    job = ImportJob.objects.get()
    other = make_agency("im-ngo", "ngo", "LCA")
    actions.do_add_membership(world.admin, other, Role.AGENCY_ADMIN, actor=None)
    client = signed_in(world.admin, other, Role.AGENCY_ADMIN)
    assert client.get(f"/dashboards/imports/{job.public_id}/").status_code == 404
    assert denied_rows(world.admin) == 1


def test_unknown_and_malformed_job_ids_are_404(import_world):
    client = signed_in(import_world.admin)
    assert client.get(f"/dashboards/imports/{uuid.uuid4()}/").status_code == 404
    assert denied_rows(import_world.admin) == 1
    assert client.get("/dashboards/imports/not-a-uuid/").status_code == 404


def test_uploading_with_get_is_refused(import_world):
    assert signed_in(import_world.admin).get("/dashboards/imports/new/").status_code == 405


def test_the_admin_finds_the_import_page_in_the_header(import_world):
    page = signed_in(import_world.admin).get("/dashboards/imports/").content.decode()
    assert 'data-testid="imports-link"' in page
    for column in htcds.files.REQUIRED_COLUMNS:
        assert f"<code>{column}</code>" in page
    assert 'accept=".xlsx,.csv"' in page


# 4. Idempotence, progress, requeue ---------------------------------------------------------


def test_running_the_task_twice_imports_once(import_world, run_upload):
    world = import_world
    job = run_upload(signed_in(world.admin), world.csv)
    audit_rows = AuditEvent.objects.count()
    assert tasks.run_import(job.pk) is False
    again = ImportJob.objects.get(pk=job.pk)
    assert (again.status, again.created, again.updated, again.unchanged, again.attempts) == (
        ImportJob.Status.DONE,
        world.rows,
        0,
        0,
        1,
    )
    assert Case.objects.filter(owning_agency=world.agency).count() == world.rows
    assert AuditEvent.objects.count() == audit_rows


def test_a_task_for_a_job_that_is_gone_does_nothing(db):
    assert tasks.run_import(987654) is False


def test_the_job_row_polls_with_a_progress_bar_while_running(import_world):
    world = import_world
    client = signed_in(world.admin)
    upload(client, world.csv)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, total=8, done=2)
    row = client.get(f"/dashboards/imports/{job.public_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="/dashboards/imports/{job.public_id}/"' in row and 'hx-trigger="every 2s"' in row
    assert '<progress class="w-100 mt-2" max="100" value="25"' in row
    assert "2 of 8 rows imported" in row
    assert "style=" not in row


def test_an_htmx_upload_gets_the_job_row(import_world):
    with mock.patch.object(tasks.run_import, "delay"):
        response = signed_in(import_world.admin).post(
            "/dashboards/imports/new/", {"file": SimpleUploadedFile("a.csv", import_world.csv)}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert 'data-testid="import-job"' in response.content.decode()


def test_a_run_that_lost_its_claim_stops_and_leaves_the_file(import_world):
    world = import_world
    upload(signed_in(world.admin), world.csv)
    job = ImportJob.objects.get()

    def taken_over(done, total):
        ImportJob.objects.filter(pk=job.pk).update(claim=uuid.uuid4())
        raise imports.LostClaim

    with mock.patch.object(imports, "_Progress", return_value=taken_over):
        assert tasks.run_import(job.pk) is False
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    assert default_storage.exists(job.stored_name)
    assert not Case.objects.filter(owning_agency=world.agency).exists()


def test_a_stalled_job_is_published_again_and_claimed_once(import_world, settings):
    world = import_world
    upload(signed_in(world.admin), world.csv)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    with mock.patch.object(tasks.run_import, "delay") as delay:
        assert tasks.requeue_imports() == 1
    delay.assert_called_once_with(job.pk)
    assert tasks.run_import(job.pk) is True
    assert tasks.run_import(job.pk) is False
    with mock.patch.object(tasks.run_import, "delay") as delay:
        assert tasks.requeue_imports() == 0


def test_a_job_that_broke_its_workers_three_times_is_given_up(import_world):
    world = import_world
    upload(signed_in(world.admin), world.csv)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(attempts=imports.MAX_ATTEMPTS)
    assert tasks.run_import(job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.error, job.stored_name) == (ImportJob.Status.FAILED, imports.IMPORT_BROKE, "")
    assert stored_files() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_written_inside_the_import_transaction_shows_at_once(import_world):
    """The importer writes in one transaction; on PostgreSQL the progress is committed on a
    connection of its own, so the polling page sees it while the rows are written."""
    make_jobs(import_world, 1)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    token = imports._claim(job.pk)
    progress = imports._Progress(job.pk, token)
    with transaction.atomic():
        progress(3, 8)
        seen = []

        def look() -> None:
            seen.append(ImportJob.objects.values_list("done", "total").get())
            connections.close_all()

        thread = threading.Thread(target=look)
        thread.start()
        thread.join()
        assert seen == [(3, 8)]
    ImportJob.objects.filter(pk=job.pk).update(claim=uuid.uuid4())
    with pytest.raises(imports.LostClaim), transaction.atomic():
        progress(4, 8)


# 5. The page's queries -----------------------------------------------------------------------


def make_jobs(world, count: int, start: int = 0) -> None:
    statuses = [ImportJob.Status.DONE, ImportJob.Status.REFUSED, ImportJob.Status.RUNNING, ImportJob.Status.FAILED]
    for number in range(start, start + count):
        ImportJob.objects.create(
            requested_by=world.admin,
            agency=world.agency,
            role=Role.AGENCY_ADMIN,
            file_name=f"cases-{number}.csv",
            size=100,
            sha256="0" * 64,
            status=statuses[number % len(statuses)],
            total=10,
            done=3,
            problems=[{"row": 2, "column": "prs_Gender", "message": "Unknown."}],
            problem_count=1,
            error=imports.IMPORT_BROKE,
        )


def page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboards/imports/").status_code == 200
    return len(queries)


def test_the_imports_page_makes_as_many_queries_for_10_jobs_as_for_1(import_world):
    world = import_world
    client = signed_in(world.admin)
    make_jobs(world, 1)
    one = page_queries(client)
    make_jobs(world, 9, start=1)
    assert page_queries(client) == one
    page = client.get("/dashboards/imports/").content.decode()
    assert page.count('data-testid="import-job"') == 10
    assert page.index("cases-9.csv") < page.index("cases-0.csv")  # newest first


# 6. A real worker ---------------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_the_file(import_world, tmp_path):
    world = import_world
    with celery_worker(PRIVATE_MEDIA_ROOT=str(tmp_path)) as queue:
        client = signed_in(world.admin)
        # The view queues on the default queue; this test's worker listens on its own.
        response, delay = upload(client, world.csv)
        assert response.status_code == 302
        job = ImportJob.objects.get()
        delay.assert_called_once_with(job.pk)
        tasks.run_import.apply_async(args=[job.pk], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.5)
        assert job.status == ImportJob.Status.DONE, (job.error, job.problems)
        assert job.created == world.rows
        assert Case.objects.filter(owning_agency=world.agency).count() == world.rows
        assert stored_files() == []


def test_the_admin_lists_and_shows_jobs_read_only(import_world):
    make_jobs(import_world, 2)
    client = sign_in(User.objects.create_superuser("root", password="x-not-used-9"))
    job = ImportJob.objects.first()
    assert client.get("/admin/exchange/importjob/").status_code == 200
    page = client.get(f"/admin/exchange/importjob/{job.pk}/change/")
    assert page.status_code == 200 and 'name="file_name"' not in page.content.decode()
    assert "Unknown." not in page.content.decode()  # the problems quote the file's cells
    assert client.get("/admin/exchange/importjob/add/").status_code == 403
    assert client.get("/admin/exchange/exportjob/").status_code == 200
