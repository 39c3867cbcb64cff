"""`manage.py seed_scale --victims N`: fictional national-scale data for benchmarks.

What it builds, the persona contract and what `--reset` empties: `devdata/scale/__init__.py`.
"""

from django.core.management.base import BaseCommand, CommandError

from casework import choices_cache
from casework.access import visible_cases
from casework.models import Membership, User
from devdata import scale


class Command(BaseCommand):
    help = (
        "Build fictional national-scale data (agencies in all 34 provinces, ~3,000 staff, N victims with cases, "
        "referrals, stays and support). --reset EMPTIES every operational table first; never in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--victims", type=int, required=True, help="How many people (and cases) to create.")
        parser.add_argument("--seed", type=int, default=scale.DEFAULT_SEED, help="Random seed (default 2026).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty every operational table (all cases, agencies, users, audit log…) before building.",
        )
        parser.add_argument("--chunk", type=int, default=scale.CHUNK, help="Cases generated per batch.")

    def handle(self, *args, **options):
        try:
            counts = scale.build(
                options["victims"],
                seed=options["seed"],
                reset=options["reset"],
                chunk=options["chunk"],
                say=self.stdout.write,
            )
        except scale.ScaleError as error:
            raise CommandError(str(error)) from error
        # Agencies, staff and memberships were written by COPY, which no signal hears.
        choices_cache.invalidate()
        self.stdout.write("Rows written:")
        for key, count in sorted(counts.items()):
            self.stdout.write(f"  {key:<28} {count:>12,}")
        self.stdout.write(f"Personas (password {scale.SCALE_PASSWORD}):")
        for username in scale.PERSONA_USERNAMES:
            user = User.objects.get(username=username)
            user.active_membership = Membership.objects.select_related("agency_group", "agency").get(
                user=user, is_active=True
            )
            visible = visible_cases(user).count()
            membership = user.active_membership
            self.stdout.write(
                f"  {username:<24} {membership.role:<14} {membership.agency.code:<14} sees {visible:,} cases"
            )
