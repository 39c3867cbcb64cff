"""Read an HTCDS 2.0 file (.xlsx or .csv) into cases of one agency from the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from casework.models import Agency
from exchange.htcds import import_htcds, import_user


class Command(BaseCommand):
    help = (
        "Import cases from an HTCDS 2.0 file (as written by export_htcds) into cases owned by "
        "--agency. Every row is checked first; if any row has a problem, each is printed and "
        "nothing is imported. Rows whose cnx_ExternalId the agency already has update those "
        "cases. Runs as --actor, or as the inactive system account 'htcds-import'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx or UTF-8 .csv file")
        parser.add_argument("--agency", required=True, help="code of the agency that will own the cases")
        parser.add_argument("--actor", help="username recorded as having imported (default: htcds-import)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--historic",
            action="store_const",
            const=True,
            dest="historic",
            help="register every new case as a historic record: no routing, deadlines or overdue flags",
        )
        mode.add_argument(
            "--live",
            action="store_const",
            const=False,
            dest="historic",
            help="register every new case as live (default: historic when received before the cut-off)",
        )

    def handle(self, *args, file, agency, actor=None, historic=None, **options):
        owner = Agency.objects.filter(code=agency).first()
        if owner is None:
            raise CommandError(f"No agency with code {agency!r}.")
        user = import_user()
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"No user {actor!r}.")
        try:
            report = import_htcds(file, agency=owner, actor=user, historic=historic)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            written = report.created + report.updated + report.unchanged
            if written:
                # Refused while writing: the rows before the refused one are in (decision 303).
                raise CommandError(
                    f"{len(report.problems)} problem(s); the import stopped after {written} row(s): created"
                    f" {report.created}, updated {report.updated}, unchanged {report.unchanged}. Importing the"
                    " file again finds them."
                )
            raise CommandError(f"{len(report.problems)} problem(s); nothing was imported.")
        self.stdout.write(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
        if report.followups:
            self.stdout.write(f"{report.followups} past follow-up visit(s) entered")
        for conflict in report.conflicts:
            self.stderr.write(str(conflict))
        if report.possible_duplicates:
            self.stdout.write(
                f"{report.possible_duplicates} new case(s) look like a person already registered; "
                "the agencies owning those cases see it on their timelines."
            )
