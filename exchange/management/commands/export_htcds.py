"""Write cases to an HTCDS 2.0 file (.xlsx or .csv) from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from casework import audit
from casework.models import Agency, AuditEvent, Case
from exchange.htcds import EXPORT_CLASSES, export_htcds

FORMATS = ("xlsx", "csv")


class Command(BaseCommand):
    help = (
        "Export cases in HTCDS 2.0 columns plus the Cầu Nối cnx_ extension. Runs as an operator "
        "holding every class the export has (core, identity, investigation): the file holds "
        "victims' names and offenders — keep it as protected as the database. Writes an audit row."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write; .xlsx or .csv")
        parser.add_argument("--agency", help="only the cases this agency (code) owns")
        parser.add_argument("--format", choices=FORMATS, help="default: from the file's extension")
        parser.add_argument("--limit", type=int, help="only the newest N of those cases (bench/: a 50,000-case export)")

    def handle(self, *args, file, agency=None, format=None, limit=None, **options):
        path = Path(file)
        fmt = format or path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError("Give a .xlsx or .csv file name, or --format.")
        owner = None
        cases = Case.objects.all()
        if agency:
            owner = Agency.objects.filter(code=agency).first()
            if owner is None:
                raise CommandError(f"No agency with code {agency!r}.")
            cases = cases.filter(owning_agency=owner)
        if limit is not None:
            if limit < 1:
                raise CommandError("--limit must be at least 1.")
            cases = Case.objects.filter(pk__in=cases.order_by("-created_at", "-id").values("pk")[:limit])
        count = export_htcds(cases, path, fmt=fmt, classes_for=EXPORT_CLASSES)
        with transaction.atomic():
            audit.record(
                AuditEvent.Action.EXPORT,
                agency=owner,
                classes=EXPORT_CLASSES,
                detail={
                    "htcds_export": path.name,
                    "format": fmt,
                    "rows": count,
                    "agency": agency or "",
                    "limit": limit,
                },
            )
        self.stdout.write(f"exported {count} cases to {path}")
