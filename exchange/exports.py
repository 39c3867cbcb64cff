"""Export jobs: asking for one (audited) and building its file in the background.

An export of a province's cases can run to tens of thousands of rows, too long for a request
on a slow provincial link, so a Celery task builds the file while the exports page shows its
progress (docs/domain.md §7, QUALITY P9). The task runs with the rights of the membership the
export was asked under, rebuilt from the job, and writes exactly what that membership's case
list shows: `casework.case_filters.filter_cases`, with identity columns only on rows whose
identity it holds (QUALITY S3).
"""

import csv
import datetime
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Aggregate, CharField, F, OuterRef, Subquery, Value, When
from django.db.models import Case as Choose
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from casework import audit
from casework.access import holds_class
from casework.case_filters import filter_cases, filter_form
from casework.forms import GuardedForm
from casework.lib.replica import replica_reads
from casework.models import (
    AuditEvent,
    Case,
    CaseStatus,
    PersonStatus,
    ReturnMode,
    SensitivityClass,
    Sex,
    User,
)
from dashboards import periods
from dashboards.forms import PeriodChecks
from dashboards.scope import DASHBOARD_ROLES, Filters, Scope
from exchange import htcds, jobs
from exchange.jobs import JobFailed, LostClaim
from exchange.models import ExportJob

log = logging.getLogger(__name__)

# header (one row, or a list of rows), rows, number of rows expected (for the progress bar)
Table = tuple[list[str], Iterator[list], int]
Builder = Callable[[ExportJob, User], Table]

PROGRESS_EVERY = 500
CHUNK_ROWS = 2000
# Spreadsheet programs run a cell that starts with one of these as a formula; a name typed
# into a case must never become one (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Messages stored on a failed job, translated when shown.
MEMBERSHIP_ENDED = gettext_noop("The membership this export was asked under has ended.")
FILTERS_INVALID = gettext_noop("The filters of this export are no longer valid.")
KIND_UNAVAILABLE = gettext_noop("This kind of export is not available.")
EXPORT_BROKE = gettext_noop("The export could not be completed. Please try again or tell the administrator.")
# The same words as `dashboards.periods.NOT_A_FIXED_PERIOD`, stored on a job.
PERIOD_NOT_FIXED = gettext_noop(
    "Statistics for sharing, or without the statistics mandate, are given only for a whole calendar "
    "month, quarter, half-year or year that has ended, so that two periods cannot be compared to "
    "find out about one person. Choose a period."
)


ExportFailed = JobFailed


# ----- asking for an export -------------------------------------------------------------


class ExportRequestForm(GuardedForm, forms.Form):
    kind = forms.ChoiceField(choices=ExportJob.Kind.choices)
    format = forms.ChoiceField(choices=ExportJob.Format.choices)
    shared = forms.BooleanField(required=False)

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind not in available_kinds():
            raise forms.ValidationError(_("This kind of export is not available yet."))
        return kind


def clean_params(kind: str, data: Mapping, *, fixed_periods: bool = False) -> dict:
    """The filters of an export as stored on the job; ValidationError when one is malformed.
    `fixed_periods`: the statistics will be suppressed, so only a whole calendar period that
    has ended is accepted (`statistics_fixed`, decision 171)."""
    if kind == ExportJob.Kind.STATISTICS:
        return _statistics_params(data, fixed_periods=fixed_periods)
    form = filter_form(data)
    form.is_valid()
    errors = {name: error for name, error in form.errors.items() if name != "page"}
    if errors:
        raise forms.ValidationError(
            [f"{form.fields[name].label}: {' '.join(messages)}" for name, messages in errors.items()]
        )
    return form.params()


def statistics_fixed(agency, role: str, *, shared: bool) -> bool:
    """Whether a statistics export asked under this membership will be suppressed, and so may
    cover only a fixed calendar period (decision 171)."""
    from dashboards import stats  # heavy; only statistics need it

    return stats.must_suppress(Scope.of(agency), role=role, shared=shared)


def _statistics_params(data: Mapping, *, fixed_periods: bool) -> dict:
    form = _StatisticsParamsForm(data)
    form.fixed_periods = form.period_required = fixed_periods
    if not form.is_valid():
        raise forms.ValidationError(
            [
                f"{name}: {' '.join(messages)}" if name != NON_FIELD_ERRORS else " ".join(messages)
                for name, messages in form.errors.items()
            ]
        )
    return Filters(**form.cleaned_data).to_params()


class _StatisticsParamsForm(GuardedForm, PeriodChecks, forms.Form):
    """The statistics filters as `dashboards.scope.Filters.to_params` writes them; the scope
    itself narrows the figures, so an agency or province outside it only gives zeros."""

    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    province_id = forms.IntegerField(required=False, min_value=1)
    agency_id = forms.IntegerField(required=False, min_value=1)


def do_request_export(*, kind: str, format: str, params: dict, shared: bool, actor: User) -> ExportJob:
    """Record the job and its audit row together; the task is queued once both are committed."""
    from exchange import tasks  # the task module imports this one

    membership = actor.active_membership
    shared = shared and kind == ExportJob.Kind.STATISTICS
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=actor,
            agency=membership.agency,
            role=membership.role,
            kind=kind,
            format=format,
            params=params,
            shared=shared,
            language=get_language() or settings.LANGUAGE_CODE,
            heartbeat_at=timezone.now(),
        )
        audit.record(
            AuditEvent.Action.EXPORT,
            actor=actor,
            obj=job,
            agency=membership.agency,
            detail={"kind": kind, "format": format, "filters": params, "shared": shared},
        )
        # robust: a broker that is down must not turn a committed request into an error page;
        # `requeue_exports` publishes the job again.
        transaction.on_commit(lambda: tasks.run_export.delay(job.pk), robust=True)
    return job


# ----- building the file ----------------------------------------------------------------


def do_run_export(job_id: int) -> bool:
    """Claim the job (compare-and-set), build its file, publish it; False if nothing was done."""
    _job, outcome, written = jobs.run(ExportJob, job_id, _build, broke=EXPORT_BROKE)
    if outcome is not None and not written:
        default_storage.delete(outcome["file_name"])  # another run holds the job now
    return written


def _build(job: ExportJob, token: uuid.UUID) -> dict:
    """Write the whole file to a local temporary file, then save it to private storage: the
    job never points at a half-written file. Returns the job's outcome."""
    builder = available_kinds().get(job.kind)
    if builder is None:
        raise ExportFailed(KIND_UNAVAILABLE)
    user = acting_user(job)  # on the primary: a membership ended a moment ago has ended
    handle, path = tempfile.mkstemp(suffix=f".{job.format}")
    os.close(handle)
    try:
        # The rows from the replica when there is one (decision 260); the progress and the
        # outcome are writes, which go to the primary.
        with replica_reads("export"):
            header, rows, total = builder(job, user)
            ExportJob.objects.filter(pk=job.pk, claim=token).update(total=total)
            progress = _Progress(job.pk, token)
            writer = _write_xlsx if job.format == ExportJob.Format.XLSX else _write_csv
            count = writer(path, header, rows, progress)
        with open(path, "rb") as built:
            name = default_storage.save(f"exports/{job.public_id}.{job.format}", File(built))
    finally:
        os.unlink(path)
    return {"status": ExportJob.Status.DONE, "file_name": name, "row_count": count, "done": count}


def acting_user(job: ExportJob) -> User:
    """The requester acting for the job's agency and role; the export fails if that
    membership has ended since or is no longer one that may export."""
    return jobs.acting_member(job, DASHBOARD_ROLES, ended=MEMBERSHIP_ENDED)


class _Progress:
    """Writes how many rows are done every PROGRESS_EVERY rows (one UPDATE), which is also
    the run's sign of life; stops the run if another one has taken the job over."""

    def __init__(self, job_id: int, token: uuid.UUID):
        self.job_id = job_id
        self.token = token

    def row_written(self, count: int) -> None:
        if count % PROGRESS_EVERY:
            return
        alive = ExportJob.objects.filter(pk=self.job_id, claim=self.token, status=ExportJob.Status.RUNNING).update(
            done=count, heartbeat_at=timezone.now()
        )
        if not alive:
            raise LostClaim


def _write_csv(path: str, header: list, rows: Iterable[list], progress: _Progress) -> int:
    count = 0
    # The byte-order mark makes Excel read the file as UTF-8 (Vietnamese names).
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerows(_header_rows(header))
        for row in rows:
            writer.writerow([_csv_value(value) for value in row])
            count += 1
            progress.row_written(count)
    return count


def _header_rows(header: list) -> list[list]:
    """A header is one row of names, or (HTCDS) several rows."""
    return header if header and isinstance(header[0], list) else [header]


def _csv_value(value):
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _write_xlsx(path: str, header: list, rows: Iterable[list], progress: _Progress) -> int:
    """openpyxl's write-only workbook streams rows to disk; memory stays flat."""
    workbook = Workbook(write_only=True)
    # Excel's name for a first sheet, and that of IOM's HTCDS template.
    sheet = workbook.create_sheet(htcds.SHEET_TITLE)
    for header_row in _header_rows(header):
        sheet.append(header_row)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
        progress.row_written(count)
    workbook.save(path)
    return count


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    return value


# ----- what each kind of export contains ------------------------------------------------


class _Joined(Aggregate):
    """The values of a group joined with "; " (STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, '; ')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _label(field: str, english: bool):
    """A bilingual label column in the job's language (Vietnamese when no English is set)."""
    if english:
        return Coalesce(NullIf(F(f"{field}name_en"), Value("")), F(f"{field}name"))
    return F(f"{field}name")


def _if_identity(expression):
    """The value only where the requester holds identity; the database returns nothing else."""
    return Choose(When(shows_identity=True, then=expression), default=Value(None))


def _case_filters(job: ExportJob) -> dict:
    """The stored case-list filters, checked again (an agency or code may have gone since)."""
    form = filter_form(job.params)
    if job.params and not form.is_valid():
        raise ExportFailed(FILTERS_INVALID)
    return form.valid_data() if job.params else {}


def case_rows(job: ExportJob, user: User) -> Table:
    """The case list with its filters, one row per case, newest first."""
    english = job.language.startswith("en")
    cases = filter_cases(user, _case_filters(job)).annotate(shows_identity=holds_class(user, SensitivityClass.IDENTITY))
    total = cases.count()
    exploitation = (
        Case.exploitation_forms.through.objects.filter(case_id=OuterRef("pk"))
        .values("case_id")
        .annotate(labels=_Joined(_label("picklistvalue__", english)))
        .values("labels")
    )
    rows = (
        cases.annotate(
            province_label=_label("reception_province__", english),
            agency_label=_label("owning_agency__", english),
            destination_label=_label("destination_country__", english),
            exploitation_labels=Subquery(exploitation),
            identity_name=_if_identity(F("person__full_name")),
            identity_sex=_if_identity(F("person__sex")),
            identity_birth_year=_if_identity(F("person__birth_year")),
            identity_ethnicity=_if_identity(_label("person__ethnicity__", english)),
        )
        .order_by("-created_at", "-id")
        .values_list(
            "reference",
            "status",
            "person_status",
            "received_at",
            "province_label",
            "agency_label",
            "is_child",
            "destination_label",
            "return_mode",
            "exploitation_labels",
            "identity_name",
            "identity_sex",
            "identity_birth_year",
            "identity_ethnicity",
            "shows_identity",
        )
        .iterator(chunk_size=CHUNK_ROWS)
    )
    return case_header(), _case_lines(rows), total


# The case-list export's columns in order: (header, the class a row's holder needs for the
# value). One explicit row per column (decision 170): `_case_lines` blanks a column whose class
# the requester does not hold on the case, whatever the query fetched, and a test fails when a
# column is added without a class. The summary of the case page shows the first ten to every
# holder of `core`; the person's details are its identity section.
CASE_COLUMNS: list[tuple[str, str]] = [
    (gettext_noop("Reference number"), SensitivityClass.CORE),
    (gettext_noop("Status"), SensitivityClass.CORE),
    (gettext_noop("Person status"), SensitivityClass.CORE),
    (gettext_noop("Received on"), SensitivityClass.CORE),
    (gettext_noop("Province of reception"), SensitivityClass.CORE),
    (gettext_noop("Owning agency"), SensitivityClass.CORE),
    (gettext_noop("Under 18 at reception"), SensitivityClass.CORE),
    (gettext_noop("Destination country"), SensitivityClass.CORE),
    (gettext_noop("How the person returned"), SensitivityClass.CORE),
    (gettext_noop("Forms of exploitation"), SensitivityClass.CORE),
    (gettext_noop("Full name"), SensitivityClass.IDENTITY),
    (gettext_noop("Sex"), SensitivityClass.IDENTITY),
    (gettext_noop("Year of birth"), SensitivityClass.IDENTITY),
    (gettext_noop("Ethnicity"), SensitivityClass.IDENTITY),
]
CASE_COLUMN_CLASSES = [cls for _header, cls in CASE_COLUMNS]


def case_header() -> list[str]:
    """Translated when called: the task runs in the language the export was asked in."""
    return [gettext(header) for header, _cls in CASE_COLUMNS]


def blank_unheld(values: list, held: set[str]) -> list:
    """The row with every column whose class is not in `held` blank (`CASE_COLUMNS`)."""
    if len(values) != len(CASE_COLUMN_CLASSES):
        raise ValueError("a case-list row has a column without a class")
    return [value if cls in held else "" for value, cls in zip(values, CASE_COLUMN_CLASSES, strict=True)]


def _case_lines(rows: Iterable[tuple]) -> Iterator[list]:
    statuses = {value: str(label) for value, label in CaseStatus.choices}
    person_statuses = {value: str(label) for value, label in PersonStatus.choices}
    return_modes = {value: str(label) for value, label in ReturnMode.choices}
    sexes = {value: str(label) for value, label in Sex.choices}
    yes, no = gettext("yes"), gettext("no")
    for row in rows:
        (reference, status, person_status, received_at, province, agency, is_child, destination) = row[:8]
        (return_mode, exploitation, name, sex, birth_year, ethnicity, shows_identity) = row[8:]
        held = {SensitivityClass.CORE, SensitivityClass.IDENTITY} if shows_identity else {SensitivityClass.CORE}
        yield blank_unheld(
            [
                reference,
                statuses.get(status, status),
                person_statuses.get(person_status, person_status),
                timezone.localtime(received_at).date(),
                province or "",
                agency or "",
                yes if is_child else no,
                destination or "",
                return_modes.get(return_mode, return_mode or ""),
                exploitation or "",
                name or "",
                sexes.get(sex, "") if sex else "",
                birth_year if birth_year is not None else "",
                ethnicity or "",
            ],
            held,
        )


def statistics_rows(job: ExportJob, user: User) -> Table:
    """The official statistics over the agency's scope; suppressed when shared, or when the
    requester has no mandate over the scope's other agencies' cases (`stats.must_suppress`)."""
    from dashboards import stats  # heavy; only this kind needs it

    scope = Scope.of(job.agency)
    try:
        filters = Filters.from_params(job.params)
    except (TypeError, ValueError):
        raise ExportFailed(FILTERS_INVALID)
    suppress = stats.must_suppress(scope, role=job.role, shared=job.shared)
    if suppress and not periods.is_fixed(filters.date_from, filters.date_to, timezone.localdate()):
        raise ExportFailed(PERIOD_NOT_FIXED)  # a job stored before decision 171, or a forged one
    table = stats.statistics_table_rows(scope, filters, suppress=suppress)
    return table[0], iter(table[1:]), len(table) - 1


def htcds_rows(job: ExportJob, user: User) -> Table:
    """The case list with its filters in HTCDS 2.0 columns; the columns of a class the
    requester does not hold on a case are blank on its row (`exchange.htcds`)."""
    # One row per person: a case merged into another is exported as its survivor (decision 194).
    counted = filter_cases(user, _case_filters(job)).filter(merged_into__isnull=True)
    cases = htcds.annotate_classes(counted, user)
    # IOM's template layout: a header and a label row, column A numbering the rows.
    rows = htcds.numbered(htcds.iter_htcds_rows(cases, htcds.row_classes, htcds.Viewer.of(user)))
    return list(htcds.HEADER_ROWS), rows, cases.count()


def available_kinds() -> dict[str, Builder]:
    """Kind → the function that builds its rows."""
    return {
        ExportJob.Kind.CASES: case_rows,
        ExportJob.Kind.STATISTICS: statistics_rows,
        ExportJob.Kind.HTCDS: htcds_rows,
    }


def stalled_job_ids(limit: int = 100) -> list[int]:
    return jobs.stalled_job_ids(ExportJob, limit)


def do_expire_exports(now: datetime.datetime | None = None) -> int:
    """Delete the files of exports finished more than CAUNOI_EXPORT_KEEP_HOURS ago and mark
    the jobs expired. Each job is taken by a compare-and-set, so two runs delete once (R2)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.CAUNOI_EXPORT_KEEP_HOURS)
    expired = 0
    old = ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff)
    for job_id, file_name in old.values_list("pk", "file_name")[:1000]:
        taken = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.EXPIRED, file_name=""
        )
        if not taken:
            continue
        if file_name:
            default_storage.delete(file_name)
        expired += 1
    if expired:
        log.info("deleted %s expired export files", expired)
    return expired
