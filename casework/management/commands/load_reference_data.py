from django.core.management.base import BaseCommand

from casework import choices_cache
from casework.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Load or refresh provinces, ethnic groups, countries, HTCDS picklists and agency kinds."

    def handle(self, *args, **options):
        counts = load_reference_data()
        choices_cache.invalidate()  # the common destinations are set with update()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
