"""Reading an HTCDS file into a table of text before any row is checked: an .xlsx or a CSV
(known by content, never by name) in the encodings Excel writes, and its header row checked
against the columns the importer knows (`exchange.htcds.reading` checks the rows)."""

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from exchange.htcds.columns import (
    COLUMNS,
    TEMPLATE_COLUMNS,
    TEMPLATE_LABELS,
    UNNAMED_COLUMNS,
)
from exchange.htcds.export import FORMULA_STARTS, flag

# IOM's template as published has these; the `cnx_` extension is optional (decision 80).
REQUIRED_COLUMNS = [
    "prs_FirstName",
    "prs_SecondName",
    "prs_Gender",
    "vic_TraffickingStatus",
]
# The field standard spells this one correctly; files made from it are accepted too.
COLUMN_ALIASES = {"vic_TraffickingStatusDecisionMakingOrg": "vic_TraffickinStatusDecisionMakingOrg"}
# Read, never written (decision 121): a past stay at one of the importing agency's facilities.
STAY_COLUMNS = ["cnx_Facility", "cnx_AdmittedOn", "cnx_DischargedOn"]
# Read, never written (decision 266): the follow-up visits made after that stay, as two
# ";"-separated lists of the same length, the days and their outcomes.
FOLLOWUP_COLUMNS = ["cnx_FollowUpOn", "cnx_FollowUpOutcome"]
KNOWN_COLUMNS = set(COLUMNS) | set(STAY_COLUMNS) | set(FOLLOWUP_COLUMNS)
# Row 2 of IOM's template holds the labels; a file still carrying it skips it.
LABELS_TO_SKIP = {"prs_Gender": "Gender", "vic_TraffickingStatus": "Trafficking Status"}
# The first label of the template's row 2 (column B).
LABEL_ROW_START = TEMPLATE_LABELS[0]
# An unnamed column is ignored, unless it is the one IOM left unnamed (its label says which).
UNNAMED_BY_LABEL = {
    label: name for name, label in zip(TEMPLATE_COLUMNS, TEMPLATE_LABELS, strict=True) if name in UNNAMED_COLUMNS
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: the row as numbered in the file (1 = header; None for
    the file as a whole), the column, and what is wrong."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column or "—",
            "message": self.message,
        }


@dataclass
class ImportReport:
    file_name: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # New cases whose person looks already registered (the owners' timelines say so).
    possible_duplicates: int = 0
    # New cases registered as historic records (decision 120).
    historic: int = 0
    # Past follow-up visits entered (decision 266); those found already entered are not counted.
    followups: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Past visits found entered with another outcome (decision 290): kept, and said here.
    conflicts: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(Exception):
    """The file cannot be read at all; the message says why."""


def read_bytes(source) -> tuple[bytes, str]:
    if isinstance(source, str | Path):
        path = Path(source)
        return path.read_bytes(), path.name
    return source.read(), Path(getattr(source, "name", "") or "").name


def _cell_text(value) -> str:
    """Cells of a spreadsheet made by hand come typed; compare everything as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return flag(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value).strip())


def _xlsx_rows(content: bytes) -> list[list[str]]:
    check_workbook(io.BytesIO(content))
    rows: list[list[str]] = []
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # Rows as long as their last cell, not padded to the declared dimension (which may
        # claim 16,384 columns); missing rows still come as empty ones, counted below.
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > settings.IMPORT_MAX_ROWS:
                raise _TooBig(too_many_rows())
            if len(row) > MAX_COLUMNS:
                raise _TooBig(too_many_columns())
            rows.append([_cell_text(value) for value in row])
        workbook.close()
    except _TooBig as refusal:
        raise ImportRefused(str(refusal))
    except Exception:  # any damage in an uploaded zip/XML is the same answer for the user
        raise ImportRefused(NOT_A_TABLE)
    return rows


# ----- limits checked before a workbook or a CSV is parsed (decision 176) ---------------

# The template has 38 columns; a file with far more is not an HTCDS file.
MAX_COLUMNS = 1000
# Only members at least this large have their compression ratio checked: a tiny XML part
# (styles, an empty sheet) may compress very well and harms no one.
RATIO_CHECKED_FROM = 1024 * 1024
SCAN_CHUNK = 1024 * 1024
WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
# `<row ... r="12">` (with or without a namespace prefix), and the sheet's declared range.
PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
ROW_TAG = re.compile(PREFIX + rb"row[\s>/]")
ROW_NUMBER = re.compile(PREFIX + rb"row\s[^>]*?\br\s*=\s*[\"'](\d{1,12})[\"']")
DIMENSION = re.compile(PREFIX + rb"dimension\s[^>]*?\bref\s*=\s*[\"']([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?")


class _TooBig(Exception):
    pass


def too_many_rows() -> str:
    return _(
        "The file has more than %(limit)s rows; at most %(limit)s rows can be imported at once."
        " Split it into several files."
    ) % {"limit": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True)}


def too_many_columns() -> str:
    return _("The file has more than %(limit)s columns; this is not an HTCDS file.") % {"limit": MAX_COLUMNS}


def check_workbook(source) -> None:
    """Refuse an .xlsx whose parts unpack to more than IMPORT_MAX_UNCOMPRESSED_BYTES, one packed
    unusually tightly (a "zip bomb"), or a first sheet of more than IMPORT_MAX_ROWS rows, from
    the zip's directory and a streaming scan of the sheets' XML, before openpyxl reads any of
    it: a 0.5 MiB workbook of 4 million tiny rows used to take 2 minutes and 700 MiB.

    `source` is a seekable binary file; a file that is not a zip is left to the reader."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        members = archive.infolist()
        unpacked = sum(member.file_size for member in members)
        if unpacked > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
            raise ImportRefused(
                _(
                    "The workbook unpacks to %(size)s; at most %(limit)s can be imported at once."
                    " Split it into several files."
                )
                % {"size": filesizeformat(unpacked), "limit": filesizeformat(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)}
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size >= RATIO_CHECKED_FROM and ratio > settings.IMPORT_MAX_COMPRESSION_RATIO:
                raise ImportRefused(
                    _(
                        "A part of the workbook unpacks to %(ratio)s times its packed size, far more than a"
                        " spreadsheet does. Open the file in Excel, save it again as “Excel Workbook (.xlsx)”"
                        " and upload it again."
                    )
                    % {"ratio": int(ratio)}
                )
        for member in members:
            if WORKSHEET.fullmatch(member.filename):
                try:
                    rows = _sheet_rows(archive, member)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
                    raise ImportRefused(NOT_A_TABLE)
                if rows > settings.IMPORT_MAX_ROWS + 1:  # the header row is not counted
                    raise ImportRefused(too_many_rows())


def _sheet_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """The rows a sheet makes: its declared range, its highest row number or its count of row
    tags, whichever is largest; the scan stops as soon as the limit is passed."""
    limit = settings.IMPORT_MAX_ROWS + 1
    declared = counted = highest = 0
    tail, first = b"", True
    with archive.open(member) as stream:
        while True:
            chunk = stream.read(SCAN_CHUNK)
            text = tail + chunk
            if first and (dimension := DIMENSION.search(text)):
                declared = int(dimension.group(4) or dimension.group(2) or 0)
            first = False
            # A tag cut at the chunk's end is looked at again with the next chunk.
            cut = max(text.rfind(b"<"), len(text) - 256, 0) if chunk else len(text)
            body, tail = text[:cut], text[cut:]
            counted += len(ROW_TAG.findall(body))
            highest = max([highest, *(int(number) for number in ROW_NUMBER.findall(body))])
            if max(declared, counted, highest) > limit or not chunk:
                return max(declared, counted, highest)


NOT_A_TABLE = gettext_lazy(
    "The file is neither an .xlsx workbook nor a CSV file in UTF-8, UTF-16 or Windows-1258. Save it from Excel"
    " as “Excel Workbook (.xlsx)” or “CSV UTF-8” and upload it again."
)
OLD_EXCEL = gettext_lazy(
    "This is a workbook of the old Excel format (.xls). Save it from Excel as “Excel Workbook (.xlsx)” and"
    " upload it again."
)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Encodings a CSV is read in, in the order they are tried when the file has no byte-order
# mark: UTF-8 first (it rarely decodes text that is not), then Windows-1258, which
# Vietnamese Excel uses for "CSV (Comma delimited)" and which decodes almost any byte.
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
FALLBACK_ENCODING = "cp1258"
# Text has none of these; a file that decodes to them is not a CSV (a picture, a PDF, …).
CONTROL_CHARACTERS = frozenset(chr(code) for code in range(32)) - {"\t", "\n", "\r"}


def _utf16_without_bom(head: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when every other byte of the text is zero (ASCII-heavy
    UTF-16, as some tools write it without a mark), else None."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2], sample[0::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def detect_encoding(content: bytes, *, partial: bool = False) -> str | None:
    """The encoding a CSV file is in (None: it is not text). `partial`: `content` is only the
    first bytes of the file, and may end inside a character."""
    if content.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif content.startswith(UTF16_BOMS):
        candidates = ["utf-16"]
    elif encoding := _utf16_without_bom(content[:4096]):
        candidates = [encoding]
    else:
        candidates = ["utf-8", FALLBACK_ENCODING]
    for encoding in candidates:
        try:
            text = _decode(content, encoding, partial=partial)
        except UnicodeDecodeError:
            continue
        return None if CONTROL_CHARACTERS.intersection(text) else encoding
    return None


# Two bytes or more that UTF-8 makes one character of; Windows-1258 text has almost none (its
# combining tone marks are 0xCC, 0xD2, 0xDE, 0xEC, 0xF2, never a UTF-8 continuation byte).
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
UTF8_EVIDENCE = 3


def _damaged_utf8_line(content: bytes) -> int | None:
    """The line of the first invalid byte of a file that is clearly UTF-8 (several valid
    multi-byte characters) and still does not decode: read as Windows-1258 it would import
    every name garbled, so it is refused instead."""
    if len(UTF8_SEQUENCE.findall(content, 0, 1 << 20)) < UTF8_EVIDENCE:
        return None
    if CONTROL_CHARACTERS.intersection(content.decode("utf-8", errors="replace")):
        return None  # not text at all
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        return content.count(b"\n", 0, error.start) + 1
    return None


def _decode(content: bytes, encoding: str, *, partial: bool = False) -> str:
    if not partial:
        return content.decode(encoding)
    decoder = codecs.getincrementaldecoder(encoding)()
    return decoder.decode(content, final=False)


def decode_text(content: bytes) -> str:
    """The text of a CSV file in any of the accepted encodings, in NFC (Windows-1258 writes
    the tone marks as combining characters: "Hà" must compare equal to "Hà")."""
    encoding = detect_encoding(content)
    if encoding in (None, FALLBACK_ENCODING) and (line := _damaged_utf8_line(content)) is not None:
        raise ImportRefused(
            _(
                "The file is in UTF-8 but some of its characters are damaged (the first on line %(line)s)."
                " Save it again from the program that made it and upload it again."
            )
            % {"line": line}
        )
    if encoding is None:
        raise ImportRefused(NOT_A_TABLE)
    return unicodedata.normalize("NFC", content.decode(encoding).removeprefix("\ufeff"))


def _delimiter(first_line: str) -> str:
    """Excel writes "Unicode text" with tabs, and CSV with ";" where the decimal comma is
    the custom; the header names contain none of them."""
    for delimiter in ("\t", ";"):
        if delimiter in first_line and "," not in first_line:
            return delimiter
    return ","


def _csv_reader(text: str):
    """The CSV rows of `text`, refused past the header and IMPORT_MAX_ROWS rows."""
    first_line = text.split("\n", 1)[0]
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))):
            if number > settings.IMPORT_MAX_ROWS:
                raise ImportRefused(too_many_rows())
            yield row
    except csv.Error:
        raise ImportRefused(NOT_A_TABLE)


def _csv_rows(content: bytes) -> list[list[str]]:
    return [[_uncsv(value.strip()) for value in row] for row in _csv_reader(decode_text(content))]


def check_limits(upload) -> None:
    """The limits of decision 176 checked on an upload (a seekable binary file) before it is
    kept: an .xlsx's unpacked size, packing and rows, a CSV file's rows. Anything else wrong
    with the file is left to the reader, as before."""
    upload.seek(0)
    try:
        if upload.read(4) == b"PK\x03\x04":
            upload.seek(0)
            check_workbook(upload)
            return
        upload.seek(0)
        try:
            text = decode_text(upload.read())
        except ImportRefused:
            return
        for _row in _csv_reader(text):
            pass
    finally:
        upload.seek(0)


def _uncsv(value: str) -> str:
    """Take off the apostrophe `write_csv` puts before a formula-like value."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def read_table(content: bytes) -> list[list[str]]:
    """The rows of an .xlsx (a zip holding `[Content_Types].xml`) or a CSV in one of the
    encodings `detect_encoding` knows."""
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            names = []
        if "[Content_Types].xml" not in names:
            raise ImportRefused(NOT_A_TABLE)
        return _xlsx_rows(content)
    if content.startswith(OLE2_MAGIC):
        raise ImportRefused(OLD_EXCEL)
    return _csv_rows(content)


def check_header(header: list[str], labels: list[str]) -> tuple[dict[int, str], list[Problem]]:
    """Column index → known column name, and the problems of the header row. `labels` is the
    row under the header, which names the template's unnamed column."""
    problems, columns, seen = [], {}, set()
    for index, raw in enumerate(header):
        name = COLUMN_ALIASES.get(raw, raw)
        if not name:
            label = labels[index] if index < len(labels) else ""
            name = UNNAMED_BY_LABEL.get(label, "")
            if not name or name in seen:
                continue
        if name not in KNOWN_COLUMNS:
            problems.append(Problem(1, raw, _("Unknown column.")))
        elif name in seen:
            problems.append(Problem(1, raw, _("The column appears twice.")))
        else:
            columns[index] = name
            seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(Problem(1, name, _("This column is required and missing.")))
    return columns, problems


def is_label_row(cells: dict[str, str]) -> bool:
    return all(cells.get(column) == label for column, label in LABELS_TO_SKIP.items())


def data_row_count(table: list[list[str]]) -> int:
    """The rows under the header, not counting the template's label row."""
    rows = len(table) - 1
    if rows > 0 and LABEL_ROW_START in [cell for cell in table[1] if cell][:1]:
        rows -= 1
    return max(rows, 0)
