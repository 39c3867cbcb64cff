"""Rebuild the dashboard rollups from the cases (`dashboards.rollups`).

    manage.py recompute_rollups [--province CODE_OR_ID] [--since YYYY-MM]
    manage.py recompute_rollups --marks

Run after restoring a backup, after a bulk load that bypassed the actions, or after editing
reference data the figures read (an ethnicity's majority flag, a country's code). A whole
rebuild also gives claims, payments and referrals their case's province of reception again
(`CaseProvinceCopy`, decision 325). `--marks`
folds only the months marked as changed, what the beat task `fold-rollups` does every minute
(decision 307): for a machine where beat has not run for a while (the bench runs no beat).
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from casework.models import Province
from dashboards import invalidation, rollups


class Command(BaseCommand):
    help = "Rebuild the dashboard rollups per province and month from the cases."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Only this province (its code or id).")
        parser.add_argument("--since", help="Only the months from this one on (YYYY-MM).")
        parser.add_argument("--marks", action="store_true", help="Only fold the marked months, as beat does.")

    def handle(self, *args, province=None, since=None, marks=False, **options):
        if marks:
            if province or since:
                raise CommandError("--marks folds every mark: it takes no --province or --since.")
            started = time.monotonic()
            with rollups.one_fold_at_a_time() as mine:
                if not mine:
                    raise CommandError("Another fold is running; try again when it ends.")
                folded = rollups.fold_marks()
            self.stdout.write(f"Marks of {folded} provinces folded in {time.monotonic() - started:.1f} s.")
            return
        province_id = None
        if province:
            condition = Q(code=province) | (Q(pk=int(province)) if province.isdigit() else Q(pk__in=[]))
            found = Province.objects.filter(condition).first()
            if found is None:
                raise CommandError(f"No province {province!r}.")
            province_id = found.pk
        first = None
        if since:
            try:
                first = datetime.date.fromisoformat(f"{since}-01")
            except ValueError as error:
                raise CommandError(f"--since wants YYYY-MM, not {since!r}.") from error
        started = time.monotonic()
        if province_id is None and first is None:
            copied = invalidation.copy_provinces()
            self.stdout.write(f"{copied} claims, payments and referrals given their case's province.")
        written = rollups.recompute(province_id, first)
        self.stdout.write(f"{written} province-months rebuilt in {time.monotonic() - started:.1f} s.")
