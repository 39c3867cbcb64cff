"""Background jobs: exports (a spreadsheet built for who asked for it, downloadable only by
her) and HTCDS imports (a file an agency administrator uploaded), and what an imported HTCDS
row stated that a case has no field for.

The tables keep the names they had when these models were part of `dashboards`
(`dashboards_exportjob`, `dashboards_importjob`, `dashboards_htcdsstatement`): moving them
here changed no table (decision 146)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Agency, Role


class BackgroundJob(models.Model):
    """What every job has: who asked, as which membership, and the fields `exchange.jobs`
    claims, heartbeats and finishes it by."""

    FINISHED: tuple[str, ...] = ()

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The membership the job was asked under: it runs with that agency's and role's rights,
    # and needs the same membership still active.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(_("language"), max_length=10, default="vi")
    # An English msgid, translated when shown; never a traceback.
    error = models.CharField(_("error"), max_length=300, blank=True)
    # Who holds the job now: a run writes progress and the result only while its token is
    # still here, so a run that lost the job to a redelivery cannot overwrite it.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)


class ExportJob(BackgroundJob):
    class Kind(models.TextChoices):
        CASES = "cases", _("case list")
        STATISTICS = "statistics", _("official statistics")
        HTCDS = "htcds", _("cases in HTCDS 2.0 columns")

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("deleted after its time")

    FINISHED = (Status.DONE, Status.FAILED, Status.EXPIRED)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    shared = models.BooleanField(_("for sharing outside the agency"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("rows expected"), null=True, blank=True)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file_name = models.CharField(_("file in private storage"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        db_table = "dashboards_exportjob"  # the table it had before the app was split out
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["requested_by", "agency", "-created_at"], name="export_job_mine"),
            models.Index(
                fields=["status", "heartbeat_at"],
                name="export_job_unfinished",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.format}) {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"

    def download_name(self) -> str:
        """A statistics file says in its name whether it may leave the agency (decision 92)."""
        name = self.kind
        if self.kind == self.Kind.STATISTICS:
            english = (self.language or "").startswith("en")
            if self.suppressed:
                name = "statistics-for-sharing" if english else "thong-ke-de-chia-se"
            else:
                name = "statistics-internal" if english else "thong-ke-noi-bo"
        return f"caunoi-{name}-{timezone.localtime(self.created_at):%Y%m%d-%H%M}.{self.format}"

    @property
    def suppressed(self) -> bool:
        """A statistics export with small cells hidden: asked for sharing, or by someone
        without a mandate over the figures (`dashboards.stats.must_suppress`)."""
        if self.kind != self.Kind.STATISTICS:
            return False
        from dashboards.scope import Scope
        from dashboards.stats import must_suppress

        return must_suppress(Scope.of(self.agency), role=self.role, shared=self.shared)


class ImportJob(BackgroundJob):
    """An HTCDS file an agency administrator uploaded, imported in the background into the
    cases of her agency (docs/domain.md §7)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("imported")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("failed")

    FINISHED = (Status.DONE, Status.REFUSED, Status.FAILED)

    class Mode(models.TextChoices):
        """Which new cases are historic records (decision 120)."""

        AUTO = "auto", _("historic when received before the cut-off")
        HISTORIC = "historic", _("all historic records")
        LIVE = "live", _("all live cases")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    # Shown to the uploader only; the stored file has a random name of its own.
    file_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.AUTO)
    # Emptied once the run is over: the file holds personal data.
    stored_name = models.CharField(_("file in private storage"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    done = models.PositiveIntegerField(_("rows imported"), default=0)
    created = models.PositiveIntegerField(_("cases created"), default=0)
    updated = models.PositiveIntegerField(_("cases updated"), default=0)
    unchanged = models.PositiveIntegerField(_("cases unchanged"), default=0)
    # [{"row": int | None, "column": str, "message": str}], at most imports.MAX_PROBLEMS,
    # in the language of the upload; problem_count is how many there were in all.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("number of problems"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        db_table = "dashboards_importjob"
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["requested_by", "agency", "-created_at"], name="import_job_mine"),
            models.Index(
                fields=["status", "heartbeat_at"],
                name="import_job_unfinished",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"

    @property
    def problems_left_out(self) -> int:
        return max(0, self.problem_count - len(self.problems))


class HtcdsStatement(models.Model):
    """What an imported HTCDS row stated that a case has no field for, kept only to give it
    back on export (decision 82): the sender's `con_Consent` (a statement, never a consent
    record of ours) and the citizenships after the first (`prs_Citizenship` "VN;CN": the
    first is the person's nationality). Deleted with the case."""

    case = models.OneToOneField(
        "casework.Case", on_delete=models.CASCADE, related_name="htcds_statement", verbose_name=_("case")
    )
    # None: the file said nothing.
    consent = models.BooleanField(_("consent as stated by the sender"), null=True, blank=True)
    # ISO 3166 alpha-2 codes, ";"-separated, in the file's order.
    other_citizenships = models.CharField(_("other citizenships"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "dashboards_htcdsstatement"
        verbose_name = _("HTCDS statement")
        verbose_name_plural = _("HTCDS statements")

    def __str__(self) -> str:
        return f"HTCDS {self.case_id}"
