from django.core.management.base import BaseCommand

from casework.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Load or refresh provinces, ethnic groups, countries, HTCDS picklists and agency kinds."

    def handle(self, *args, **options):
        counts = load_reference_data()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
