"""HTCDS import jobs: an agency administrator uploads a file, a worker imports it.

A file of a few thousand cases takes seconds to minutes to check and write (docs/benchmarks.md),
too long for a request, so the upload only checks what is cheap (size, kind of file), keeps
the file under a random name in private storage and queues a Celery task; the imports page
polls its progress (docs/domain.md §7). The task runs `exchange.htcds.import_htcds` as the
uploader, while her membership is still that of an agency administrator, and stores either
the counts or every problem with its row and column: the importer writes no row when any row
has a problem, and otherwise writes them 200 per transaction (decision 257); a row refused
while writing stops it there, and the job keeps the counts of the rows before it (decision 303).
The stored file is deleted once the run is over (it holds personal data).
"""

import hashlib
import io
import logging
import threading
import uuid
import zipfile

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, connections, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.forms import GuardedForm
from casework.models import AuditEvent, Role, User
from exchange import htcds, jobs
from exchange.htcds.files import NOT_A_TABLE, OLD_EXCEL, OLE2_MAGIC, ImportRefused, check_limits, detect_encoding
from exchange.jobs import MAX_ATTEMPTS, JobFailed, LostClaim  # noqa: F401 — part of this module's API
from exchange.models import ImportJob

log = logging.getLogger(__name__)

IMPORTER_ROLE = Role.AGENCY_ADMIN
STORAGE_FOLDER = "imports"
MAX_PROBLEMS = 1000
SNIFF_BYTES = 4096

# Messages stored on a failed job, translated when shown.
MEMBERSHIP_ENDED = gettext_noop("The membership this file was uploaded under is no longer an agency administrator's.")
FILE_GONE = gettext_noop("The uploaded file is no longer there. Please upload it again.")
IMPORT_BROKE = gettext_noop("The import could not be completed. Please try again or tell the administrator.")


ImportFailed = JobFailed


# ----- uploading ------------------------------------------------------------------------


class ImportUploadForm(GuardedForm, forms.Form):
    file = forms.FileField(
        label=_("HTCDS file (.xlsx or .csv)"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )
    # Optional: a form without it imports by the cut-off (decision 120).
    mode = forms.ChoiceField(
        label=_("Historic records"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.AUTO,
        required=False,
        help_text=_(
            "A historic record keeps its real dates but sends no referral, sets no deadline and is "
            "never overdue. By default, cases received more than %(days)s days ago are historic."
        ),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].help_text = self.fields["mode"].help_text % {"days": settings.CAUNOI_HISTORIC_BEFORE_DAYS}

    def clean_mode(self) -> str:
        return self.cleaned_data.get("mode") or ImportJob.Mode.AUTO

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(limit)s can be imported at once. Split it into several files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        if _is_old_excel(upload):
            raise forms.ValidationError(OLD_EXCEL)
        if not is_table_file(upload):
            raise forms.ValidationError(NOT_A_TABLE)
        try:
            check_limits(upload)
        except ImportRefused as refusal:
            raise forms.ValidationError(str(refusal))
        return upload


def _is_old_excel(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(len(OLE2_MAGIC))
    upload.seek(0)
    return head == OLE2_MAGIC


def is_table_file(upload: UploadedFile) -> bool:
    """An .xlsx (a zip holding `[Content_Types].xml`) or text in an encoding the reader knows
    (UTF-8, UTF-16, Windows-1258), as `htcds.files.read_table` tells them apart; whether
    the cells make sense is the worker's to check."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"PK\x03\x04"):
        try:
            return "[Content_Types].xml" in zipfile.ZipFile(upload).namelist()
        except zipfile.BadZipFile:
            return False
        finally:
            upload.seek(0)
    # The first bytes may end inside a character: a partial one at the end is fine.
    return detect_encoding(head, partial=True) is not None


def do_request_import(upload: UploadedFile, *, actor: User, mode: str = ImportJob.Mode.AUTO) -> ImportJob:
    """Keep the file under a random name, record the job and its audit row together; the task
    is queued once both are committed."""
    from exchange import tasks  # the task module imports this one

    membership = actor.active_membership
    stored_name, digest = _store(upload)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                requested_by=actor,
                agency=membership.agency,
                role=membership.role,
                file_name=_display_name(upload.name),
                size=upload.size,
                sha256=digest,
                mode=mode,
                stored_name=stored_name,
                language=get_language() or settings.LANGUAGE_CODE,
                heartbeat_at=timezone.now(),
            )
            audit.record(
                AuditEvent.Action.CREATE,
                actor=actor,
                obj=job,
                agency=membership.agency,
                detail={"htcds_upload": job.file_name, "size": job.size, "sha256": digest},
            )
            # robust: a broker that is down must not turn a committed upload into an error
            # page; `requeue_imports` publishes the job again.
            transaction.on_commit(lambda: tasks.run_import.delay(job.pk), robust=True)
    except BaseException:
        default_storage.delete(stored_name)
        raise
    return job


def _store(upload: UploadedFile) -> tuple[str, str]:
    """Save the upload to private storage; its name there says nothing of the uploaded one."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = default_storage.save(f"{STORAGE_FOLDER}/{uuid.uuid4().hex}", upload)
    return name, digest.hexdigest()


def _display_name(name: str) -> str:
    """The uploaded file's own name, without any folder a browser may send, to show it back."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[-ImportJob._meta.get_field("file_name").max_length :] or "—"


# ----- running the import ---------------------------------------------------------------


def do_run_import(job_id: int) -> bool:
    """Claim the job (compare-and-set), import its file, store the outcome, delete the file;
    False if nothing was done."""
    _job, _outcome, written = jobs.run(ImportJob, job_id, _import, broke=IMPORT_BROKE)
    # Once the job is over, however it ended (given up included), the file goes; a run that
    # lost its claim leaves it to the run that holds the job now.
    over = ImportJob.objects.filter(pk=job_id, status__in=ImportJob.FINISHED).exclude(stored_name="")
    for stored_name in over.values_list("stored_name", flat=True):
        _delete_file(job_id, stored_name)
    return written


def _import(job: ImportJob, token: uuid.UUID) -> dict:
    user = acting_admin(job)
    if not job.stored_name:
        raise ImportFailed(FILE_GONE)
    try:
        with default_storage.open(job.stored_name, "rb") as stored:
            source = io.BytesIO(stored.read())
    except FileNotFoundError:
        raise ImportFailed(FILE_GONE)
    # The importer writes this name into the cases' timeline and audit rows.
    source.name = job.file_name
    historic = {ImportJob.Mode.HISTORIC: True, ImportJob.Mode.LIVE: False}.get(job.mode)
    report = htcds.import_htcds(
        source, agency=job.agency, actor=user, on_progress=_Progress(job.pk, token), historic=historic
    )
    return _outcome(report)


def _problem_rows(problems: list[htcds.Problem]) -> dict:
    rows = [{"row": problem.row, "column": problem.column, "message": problem.message} for problem in problems]
    return {"problems": rows[:MAX_PROBLEMS], "problem_count": len(problems)}


def _outcome(report: htcds.ImportReport) -> dict:
    """The job's fields after the import. A finished import's problems are its conflicts:
    rows imported, but a past visit's outcome in the file was not the one kept (decision 290).

    A refused import keeps its counts too: a row refused while writing stops the import after
    the chunks before it were committed (decision 257), and the page must say how many rows
    are in (decision 303). Refused by the checks, nothing was written and the counts are 0."""
    rows = report.created + report.updated + report.unchanged
    counts = {"done": rows, "created": report.created, "updated": report.updated, "unchanged": report.unchanged}
    if report.ok:
        return {"status": ImportJob.Status.DONE, "total": rows, **counts, **_problem_rows(report.conflicts)}
    return {"status": ImportJob.Status.REFUSED, **counts, **_problem_rows(report.problems)}


def acting_admin(job: ImportJob) -> User:
    """The uploader acting for the job's agency as its administrator; the import fails if
    that membership has ended or changed since."""
    return jobs.acting_member(job, {IMPORTER_ROLE}, ended=MEMBERSHIP_ENDED)


def _claim(job_id: int) -> uuid.UUID | None:
    return jobs.claim(ImportJob, job_id, broke=IMPORT_BROKE)


def _delete_file(job_id: int, stored_name: str) -> None:
    if stored_name:
        default_storage.delete(stored_name)
    ImportJob.objects.filter(pk=job_id).update(stored_name="")


class _Progress:
    """Writes the rows done into the job, which is also the run's sign of life, and stops the
    run if another one has taken the job over.

    The importer reports progress between its transactions (decision 257), where it is written
    at once. Called inside a transaction (an import run within an outer one), progress written
    there would show only at the end: on PostgreSQL it then goes through a connection of its
    own (a short thread), which commits at once; SQLite has one writer, so there it waits."""

    def __init__(self, job_id: int, token: uuid.UUID):
        self.job_id = job_id
        self.token = token

    def __call__(self, done: int, total: int) -> None:
        if not connection.in_atomic_block:
            if not self._write(done, total):
                raise LostClaim
        elif connection.vendor == "postgresql" and self._write_aside(done, total) == "lost":
            raise LostClaim  # undoes the import's transaction

    def _write(self, done: int, total: int) -> bool:
        mine = ImportJob.objects.filter(pk=self.job_id, claim=self.token, status=ImportJob.Status.RUNNING)
        return bool(mine.update(done=done, total=total, heartbeat_at=timezone.now()))

    def _write_aside(self, done: int, total: int) -> str:
        outcome = []

        def write() -> None:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    # Never wait long for the job row: a caller that holds it locked would
                    # otherwise wait for this thread, and this thread for it.
                    cursor.execute("SET LOCAL lock_timeout = '5s'")
                    if self._write(done, total):
                        outcome.append("written")
                    # A job this connection cannot see at all is still uncommitted (a test's
                    # own transaction): nothing is lost. One it sees under another claim is.
                    elif ImportJob.objects.filter(pk=self.job_id).exists():
                        outcome.append("lost")
            except DatabaseError:
                log.warning("progress of import job %s not written", self.job_id, exc_info=True)
            finally:
                connections.close_all()  # this thread's connections only

        thread = threading.Thread(target=write, name=f"import-progress-{self.job_id}")
        thread.start()
        thread.join()
        return outcome[0] if outcome else ""


def stalled_job_ids(limit: int = 100) -> list[int]:
    return jobs.stalled_job_ids(ImportJob, limit)
