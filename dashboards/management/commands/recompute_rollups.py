"""Rebuild the dashboard rollups from the cases (`dashboards.rollups`).

    manage.py recompute_rollups [--province CODE_OR_ID] [--since YYYY-MM]

Run after restoring a backup, after a bulk load that bypassed the actions, or after editing
reference data the figures read (an ethnicity's majority flag, a country's code).
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from casework.models import Province
from dashboards import rollups


class Command(BaseCommand):
    help = "Rebuild the dashboard rollups per province and month from the cases."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Only this province (its code or id).")
        parser.add_argument("--since", help="Only the months from this one on (YYYY-MM).")

    def handle(self, *args, province=None, since=None, **options):
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
        written = rollups.recompute(province_id, first)
        self.stdout.write(f"{written} province-months rebuilt in {time.monotonic() - started:.1f} s.")
