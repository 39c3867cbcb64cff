"""HTCDS import jobs: an agency administrator uploads a file, a worker imports it.

A file of a few thousand cases takes minutes to check and write through the casework actions,
too long for a request, so the upload only checks what is cheap (size, kind of file), keeps
the file under a random name in private storage and queues a Celery task; the imports page
polls its progress (DESIGN.md §10). The task runs `dashboards.htcds.import_htcds` as the
uploader, while her membership is still that of an agency administrator, and stores either
the counts or every problem with its row and column: the importer writes all rows or none.
The stored file is deleted once the run is over (it holds personal data).
"""

import datetime
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
from django.db.models import F, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.models import AuditEvent, Membership, Role, User
from dashboards import htcds
from dashboards.models import ImportJob

log = logging.getLogger(__name__)

IMPORTER_ROLE = Role.AGENCY_ADMIN
STORAGE_FOLDER = "imports"
MAX_PROBLEMS = 1000
MAX_ATTEMPTS = 3
SNIFF_BYTES = 4096

# Messages stored on a failed job, translated when shown.
MEMBERSHIP_ENDED = gettext_noop("The membership this file was uploaded under is no longer an agency administrator's.")
FILE_GONE = gettext_noop("The uploaded file is no longer there. Please upload it again.")
IMPORT_BROKE = gettext_noop("The import could not be completed. Please try again or tell the administrator.")


class ImportFailed(Exception):
    """A reason the import cannot run, for the person who uploaded (an English msgid)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LostClaim(Exception):
    """Another run holds the job now (a redelivered message took over a stale run)."""


# ----- uploading ------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("HTCDS file (.xlsx or .csv)"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(limit)s can be imported at once. Split it into several files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        if not is_table_file(upload):
            raise forms.ValidationError(_("The file is not a spreadsheet or CSV file."))
        return upload


def is_table_file(upload: UploadedFile) -> bool:
    """An .xlsx (a zip holding `[Content_Types].xml`) or UTF-8 text, as `htcds.reading.read_table`
    tells them apart; whether the cells make sense is the worker's to check."""
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
    if b"\x00" in head:
        return False
    try:
        # The first bytes may end inside a character: a partial one at the end is fine.
        head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return error.reason == "unexpected end of data" and error.start >= len(head) - 3
    return True


def do_request_import(upload: UploadedFile, *, actor: User) -> ImportJob:
    """Keep the file under a random name, record the job and its audit row together; the task
    is queued once both are committed."""
    from dashboards import tasks  # the task module imports this one

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
    token = _claim(job_id)
    if token is None:
        return False
    job = ImportJob.objects.select_related("agency", "requested_by").get(pk=job_id)
    with translation.override(job.language):
        try:
            report = _import(job, token)
        except LostClaim:
            return False  # the run holding the job now needs the file
        except ImportFailed as failure:
            _finish(job, token, status=ImportJob.Status.FAILED, error=failure.message)
            return False
        except DatabaseError:
            # Transient: give the job back so the retry (or the requeue tick) can claim it.
            ImportJob.objects.filter(pk=job.pk, claim=token).update(status=ImportJob.Status.QUEUED, claim=None)
            raise
        except Exception:
            log.exception("import %s failed", job.public_id)
            _finish(job, token, status=ImportJob.Status.FAILED, error=IMPORT_BROKE)
            return False
    return _finish(job, token, **_outcome(report))


def _import(job: ImportJob, token: uuid.UUID) -> htcds.ImportReport:
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
    return htcds.import_htcds(source, agency=job.agency, actor=user, on_progress=_Progress(job.pk, token))


def _outcome(report: htcds.ImportReport) -> dict:
    if report.ok:
        rows = report.created + report.updated + report.unchanged
        return {
            "status": ImportJob.Status.DONE,
            "done": rows,
            "total": rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
    problems = [
        {"row": problem.row, "column": problem.column, "message": problem.message}
        for problem in report.problems[:MAX_PROBLEMS]
    ]
    return {"status": ImportJob.Status.REFUSED, "problems": problems, "problem_count": len(report.problems)}


def acting_admin(job: ImportJob) -> User:
    """The uploader acting for the job's agency as its administrator, as the middleware would
    attach her; the import fails if that membership has ended or changed since."""
    membership = (
        Membership.objects.select_related("agency", "agency_group")
        .filter(
            user_id=job.requested_by_id,
            agency_id=job.agency_id,
            role=IMPORTER_ROLE,
            is_active=True,
            agency__is_active=True,
            user__is_active=True,
        )
        .first()
    )
    if membership is None or job.role != IMPORTER_ROLE:
        raise ImportFailed(MEMBERSHIP_ENDED)
    user = job.requested_by
    user.active_membership = membership
    return user


def _stale_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.CAUNOI_EXPORT_STALE_SECONDS)


def _claimable() -> Q:
    """Waiting, or running without a sign of life (its worker was killed; the import's
    transaction died with it, so running the file again is safe)."""
    return Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=_stale_before())


def _claim(job_id: int) -> uuid.UUID | None:
    now = timezone.now()
    # A job that broke its workers MAX_ATTEMPTS times is given up rather than retried forever.
    given_up = ImportJob.objects.filter(_claimable(), pk=job_id, attempts__gte=MAX_ATTEMPTS)
    stored_name = given_up.values_list("stored_name", flat=True).first()
    if stored_name is not None and given_up.update(
        status=ImportJob.Status.FAILED, error=IMPORT_BROKE, claim=None, finished_at=now
    ):
        _delete_file(job_id, stored_name)
    token = uuid.uuid4()
    claimed = ImportJob.objects.filter(_claimable(), pk=job_id).update(
        status=ImportJob.Status.RUNNING,
        claim=token,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        done=0,
        error="",
    )
    return token if claimed else None


def _finish(job: ImportJob, token: uuid.UUID, *, status: str, **fields) -> bool:
    finished = bool(
        ImportJob.objects.filter(pk=job.pk, claim=token, status=ImportJob.Status.RUNNING).update(
            status=status, claim=None, finished_at=timezone.now(), **fields
        )
    )
    if finished:
        _delete_file(job.pk, job.stored_name)
    return finished


def _delete_file(job_id: int, stored_name: str) -> None:
    if stored_name:
        default_storage.delete(stored_name)
    ImportJob.objects.filter(pk=job_id).update(stored_name="")


class _Progress:
    """Writes the rows done into the job, which is also the run's sign of life, and stops the
    run if another one has taken the job over.

    The importer writes its rows in one transaction; progress written in it would show only
    at the end. On PostgreSQL it goes through a connection of its own (a short thread), which
    commits at once; SQLite has one writer at a time, so there the bar waits for the end."""

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
    """Jobs no run has shown a sign of life for in CAUNOI_EXPORT_STALE_SECONDS."""
    unfinished = Q(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
    return list(
        ImportJob.objects.filter(unfinished, heartbeat_at__lt=_stale_before())
        .order_by("heartbeat_at")
        .values_list("pk", flat=True)[:limit]
    )
