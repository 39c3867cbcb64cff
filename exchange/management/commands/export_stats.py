"""Write the official statistics to a spreadsheet: the same figures as the statistics page."""

import csv
import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from casework import audit
from casework.models import Agency, AuditEvent, Province, StatisticsScope
from dashboards import periods
from dashboards.scope import Filters, Scope
from dashboards.stats import statistics_table_rows


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = (
        "Export the official statistics (incidents, offenders, victims by dimension) for a period "
        "to FILE (.xlsx or .csv). Figures are national, or of one province with --province; with "
        "--shared, small cells are suppressed as for anyone outside the owning agency."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--from", dest="date_from", required=True, help="first day of reception, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day of reception, YYYY-MM-DD")
        parser.add_argument("--province", help="province code (the 34 provinces since 2025), e.g. LCA")
        parser.add_argument(
            "--shared",
            action="store_true",
            help="suppress cells of 1-10 for sharing; only for a whole calendar month, quarter, half-year "
            "or year that has ended",
        )
        parser.add_argument("--language", default="vi", choices=["vi", "en"])

    def handle(self, *args, **options):
        date_from, date_to = _day(options["date_from"]), _day(options["date_to"])
        if date_from > date_to:
            raise CommandError("--from is after --to.")
        if options["shared"] and not periods.is_fixed(date_from, date_to, timezone.localdate()):
            # A file for sharing over any two overlapping periods would give back a hidden cell
            # (decision 171).
            raise CommandError(
                "--shared needs a whole calendar month, quarter, half-year or year that has ended "
                "(e.g. --from 2026-07-01 --to 2026-09-30)."
            )
        province = None
        if options["province"]:
            province = Province.objects.filter(code=options["province"].upper()).first()
            if province is None:
                raise CommandError(f"Unknown province code {options['province']!r}.")
        path = Path(options["file"])
        if path.suffix.lower() not in {".xlsx", ".csv"}:
            raise CommandError("FILE must end in .xlsx or .csv.")
        # The operator's view: the whole country (or one province) through an unsaved agency.
        scope = Scope(level=StatisticsScope.NATIONAL, agency=Agency(code="operator"))
        filters = Filters(date_from=date_from, date_to=date_to, province_id=province.pk if province else None)
        with translation.override(options["language"]):
            rows = statistics_table_rows(scope, filters, suppress=options["shared"])
        if path.suffix.lower() == ".csv":
            with path.open("w", newline="", encoding="utf-8-sig") as handle:
                csv.writer(handle).writerows(rows)
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet("Statistics")
            for row in rows:
                sheet.append(row)
            book.save(path)
        with transaction.atomic():
            audit.record(
                AuditEvent.Action.EXPORT,
                detail={
                    "command": "export_stats",
                    "file": path.name,
                    "filters": filters.to_params(),
                    "shared": options["shared"],
                },
            )
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(rows) - 1} rows to {path}."))
