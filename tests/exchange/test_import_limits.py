"""Issue 17, decision 176: an uploaded spreadsheet is checked for what it unpacks to (size,
packing, rows, columns) before openpyxl parses it, at upload (400 with the reason) and again
in the worker (the job refused with the reason); a CSV file's rows are capped the same way.
A 0.55 MiB workbook of 4 million tiny rows used to hold a request for 128 s and 700 MiB."""

import io
import resource
import time
import tracemalloc
import zipfile
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from casework.models import Case, Role
from exchange import htcds, imports
from exchange.htcds import files
from exchange.models import ImportJob
from tests.exchange.test_imports import signed_in, stored_files, upload
from tests.fixtures.personas import acting, make_agency, make_user

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
UNPACKS = "The workbook unpacks to"
TOO_MANY_ROWS = "rows can be imported at once"
PACKED = "times its packed size"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def workbook(sheet_parts, *, dimension: bytes = b"", extra: dict[str, bytes] | None = None) -> bytes:
    """An .xlsx made by openpyxl whose first sheet is replaced by the given XML, streamed
    into the zip part by part (a bomb is built in well under a second)."""
    plain = io.BytesIO()
    Workbook().save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item, source.read(item))
        member = zipfile.ZipInfo(SHEET)
        member.compress_type = zipfile.ZIP_DEFLATED
        with target.open(member, "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD + dimension + b"<sheetData>")
            for part in sheet_parts:
                sheet.write(part)
            sheet.write(b"</sheetData></worksheet>")
        for name, content in (extra or {}).items():
            target.writestr(zipfile.ZipInfo(name), content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def tiny_rows(count: int, block: int = 10_000):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    chunk = row * block
    for _ in range(count // block):
        yield chunk
    yield row * (count % block)


def zip_bomb() -> bytes:
    """4 million rows of one cell: about 200 MiB of XML packed into well under 1 MiB."""
    return workbook(tiny_rows(4_000_000))


def measured(call):
    """Run `call`, returning its result, seconds, peak Python allocation (MiB) and growth of
    the process's peak RSS (MiB; Linux reports KiB)."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = call()
    finally:
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    return result, elapsed, peak / 2**20, rss_growth


@pytest.fixture
def importer(reference_data):
    """An agency administrator, who may import."""
    agency = make_agency("lim-social", "social_protection", "LCA")
    return SimpleNamespace(agency=agency, admin=make_user("lim.admin", agency, Role.AGENCY_ADMIN))


@pytest.fixture
def no_openpyxl():
    with mock.patch.object(files, "load_workbook", side_effect=AssertionError("openpyxl was called")) as patched:
        yield patched


def test_a_zip_bomb_is_refused_at_upload_before_openpyxl_reads_it(importer, no_openpyxl):
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024
    client = signed_in(importer.admin)
    assert upload(client, b"PK\x03\x04 not a zip", name="warm-up.xlsx")[0].status_code == 400  # templates compiled
    started = time.perf_counter()
    upload(client, bomb, name="bomb.xlsx")
    elapsed = time.perf_counter() - started  # without tracemalloc, which slows Python down
    (response, delay), _traced, peak, rss = measured(lambda: upload(client, bomb, name="bomb.xlsx"))
    print(f"\nzip bomb ({len(bomb) / 2**20:.2f} MiB packed) refused at upload in {elapsed:.3f} s, ")
    print(f"peak Python allocation {peak:.1f} MiB, peak RSS growth {rss:.1f} MiB")
    assert response.status_code == 400
    html = response.content.decode()
    assert UNPACKS in html and "at most 50.0\xa0MB can be imported at once" in html
    assert not ImportJob.objects.exists() and stored_files() == []
    delay.assert_not_called()
    no_openpyxl.assert_not_called()
    # Generous bounds: the check reads the zip's directory only.
    assert elapsed < 2
    assert peak < 50


def test_a_zip_bomb_that_reaches_the_worker_is_refused_with_the_reason(importer, no_openpyxl):
    bomb = zip_bomb()
    (report), elapsed, peak, _rss = measured(
        lambda: htcds.import_htcds(io.BytesIO(bomb), agency=importer.agency, actor=importer.admin)
    )
    print(f"\nzip bomb refused by the importer in {elapsed:.3f} s, peak Python allocation {peak:.1f} MiB")
    assert not report.ok
    assert [problem.row for problem in report.problems] == [None]
    assert UNPACKS in report.problems[0].message
    no_openpyxl.assert_not_called()
    assert not Case.objects.filter(owning_agency=importer.agency).exists()
    assert elapsed < 2 and peak < 50


def test_a_job_whose_file_only_the_worker_sees_is_refused_with_the_reason(importer, no_openpyxl, settings):
    """A file stored before the limits (or by another door) is refused on its job."""
    job = imports.do_request_import(
        SimpleUploadedFile("bomb.xlsx", zip_bomb()), actor=acting(importer.admin), mode=ImportJob.Mode.AUTO
    )
    assert imports.do_run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REFUSED
    assert UNPACKS in job.problems[0]["message"]
    assert job.stored_name == "" and stored_files() == []
    no_openpyxl.assert_not_called()


def test_a_sheet_of_too_many_rows_is_refused_by_the_scan(importer, settings, no_openpyxl):
    settings.IMPORT_MAX_ROWS = 100
    content = workbook(tiny_rows(102))  # the header and 101 rows
    response, _delay = upload(signed_in(importer.admin), content, name="long.xlsx")
    assert response.status_code == 400
    assert "more than 100 rows; at most 100 rows can be imported at once" in response.content.decode()
    report = htcds.import_htcds(io.BytesIO(content), agency=importer.agency, actor=importer.admin)
    assert TOO_MANY_ROWS in report.problems[0].message
    no_openpyxl.assert_not_called()


def test_the_header_and_exactly_the_limit_pass_the_scan(settings):
    settings.IMPORT_MAX_ROWS = 100
    files.check_workbook(io.BytesIO(workbook(tiny_rows(101))))


@pytest.mark.parametrize(
    ("parts", "dimension"),
    [
        ([b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'], b""),  # a million empty rows implied
        ([b"<row><c><v>1</v></c></row>"], b'<dimension ref="A1:XFD1048576"/>'),  # a range that lies
        ([b'<x:row r="2"/>' * 150], b""),  # a namespace prefix
    ],
    ids=["row-number", "dimension", "prefix"],
)
def test_rows_implied_by_numbers_or_the_declared_range_count(settings, parts, dimension, no_openpyxl):
    settings.IMPORT_MAX_ROWS = 100
    with pytest.raises(files.ImportRefused, match=TOO_MANY_ROWS):
        files.read_table(workbook(parts, dimension=dimension))
    no_openpyxl.assert_not_called()


def test_a_part_packed_unusually_tightly_is_refused(importer, no_openpyxl):
    content = workbook(tiny_rows(3), extra={"docProps/custom.xml": b"\0" * (4 * 1024 * 1024)})
    response, _delay = upload(signed_in(importer.admin), content, name="packed.xlsx")
    assert response.status_code == 400
    assert PACKED in response.content.decode()
    no_openpyxl.assert_not_called()


def test_the_limits_are_settings(settings, no_openpyxl):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1000
    with pytest.raises(files.ImportRefused, match=UNPACKS):
        files.read_table(workbook(tiny_rows(100)))
    no_openpyxl.assert_not_called()


def test_a_row_wider_than_any_htcds_file_is_refused_while_reading():
    """openpyxl pads a row to its last cell: one at column XFD is 16,384 cells a row."""
    content = workbook([b'<row r="1"><c r="XFD1"><v>1</v></c></row>'])
    with pytest.raises(files.ImportRefused, match="more than 1000 columns"):
        files.read_table(content)


def test_a_wide_declared_range_does_not_pad_the_rows():
    content = workbook(
        [b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'], dimension=b'<dimension ref="A1:XFD1"/>'
    )
    assert files.read_table(content) == [["a"]]


def test_the_importer_reads_rows_past_the_scan_limit_no_further(settings):
    """Should the scan miss rows (a sheet not named as usual), reading stops at the limit too."""
    settings.IMPORT_MAX_ROWS = 100
    with mock.patch.object(files, "check_workbook"), pytest.raises(files.ImportRefused, match=TOO_MANY_ROWS):
        files.read_table(workbook(tiny_rows(500)))


def test_a_csv_file_of_too_many_rows_is_refused_at_upload_and_by_the_importer(importer, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = b"prs_FirstName,prs_SecondName\r\n" + b"a,b\r\n" * 4
    response, delay = upload(signed_in(importer.admin), content)
    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()
    delay.assert_not_called()
    report = htcds.import_htcds(io.BytesIO(content), agency=importer.agency, actor=importer.admin)
    assert "more than 3 rows" in report.problems[0].message


def test_a_csv_file_at_the_limit_is_not_refused_for_its_length(settings):
    settings.IMPORT_MAX_ROWS = 3
    assert len(files.read_table(b"a,b\r\n" * 4)) == 4


def test_an_exported_workbook_passes_the_checks(world):
    stream = io.BytesIO()
    htcds.export_htcds(
        Case.objects.all(),
        stream,
        fmt="xlsx",
        classes_for=htcds.EXPORT_CLASSES,
    )
    files.check_workbook(io.BytesIO(stream.getvalue()))
    assert len(files.read_table(stream.getvalue())) > 1
