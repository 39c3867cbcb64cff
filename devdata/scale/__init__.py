"""National-scale, entirely fictional data for benchmarks (docs/quality.md "Scale data"):
`python manage.py seed_scale --victims N`.

What it builds
--------------
- Agencies of every kind in all 34 provinces (police, border guard where there is a border or
  a coast, the provincial Department of Health as social-protection agency and coordinator,
  the Women's Union, communes, a social assistance facility each, victim-support facilities in
  the border provinces), Peace Houses, NGOs with and without shelters, coast guard regions,
  missions abroad and a national social-protection department; each with its four role groups.
- About 3,000 staff, one membership each, sharing one password hash.
- N people, each with one case (a few are under-18s accompanying their mother), received over
  the last five years, more each year, most in the border provinces; incidents of 1–5 victims
  with offenders; referrals in every status with their events, grants and handover minutes;
  shelter stays with intake, services and follow-up; claims, decisions and payments. The
  distributions follow docs/domain.md §7 and §10: over 90% women and children, about 95% taken
  abroad, mostly to China, Cambodia and Laos, most from ethnic minorities.
- The grants and guardian rows each case would have got from the actions (see `story.py`).
  No audit rows: nobody looked at these cases.

Persona contract (a benchmark harness relies on it; password `caunoi-demo-2026`, each user
with exactly one active membership)
--------------------------------------------------------------------------------------------
- `scale.canbo`: caseworker of the Lào Cai provincial police (`sc-ca-lca`), the agency owning
  the most cases (about 6%); assigned to a few hundred of them at 200,000 victims, among them
  open cases he can change.
- `scale.admin`: agency administrator of the same police agency.
- `scale.giamsat.tinh`: supervisor of the Lào Cai Department of Health (`sc-syt-lca`,
  statistics scope `province`, coordinating agency), Lào Cai being the province receiving the
  most cases.
- `scale.giamsat.quocgia`: supervisor of the national social-protection department
  (`sc-btxh`, statistics scope `national`), which runs hotline 111 and so owns some cases.
- `scale.nhanvien`: shelter staff of the Lào Cai social assistance facility (`sc-ctxh-lca`),
  with placement referrals pending (sent, unanswered) in its inbox (dozens at 200,000) and
  residents.

Running it
----------
The command refuses a database that already holds scale data (agencies coded `sc-…`, users
named `scale.…`) unless `--reset` is given, and refuses to run at all when CAUNOI_ENV is
production. `--reset` EMPTIES EVERY OPERATIONAL TABLE (cases, people, agencies, users,
referrals, shelters, support, audit log, sessions, jobs — not only the scale data) and keeps
the reference data; it is meant for a database dedicated to scale data. The same `--seed`
gives the same data (dates move with the day it runs).
"""

import random
import time
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from casework.models import Agency, Province, ReferenceCounter, User
from casework.reference_data import load_reference_data
from dashboards import cache, rollups
from devdata.scale import load
from devdata.scale.reference import Reference
from devdata.scale.story import Stories
from devdata.scale.world import CODE_PREFIX, PERSONAS, USER_PREFIX, WorldBuilder
from referrals.models import ReferralPurpose
from referrals.seed import load_purposes, load_rules
from support.catalogue import load_support_catalogue

SCALE_PASSWORD = "caunoi-demo-2026"
DEFAULT_SEED = 2026
CHUNK = 10_000
PERSONA_USERNAMES = tuple(PERSONAS)

__all__ = ["DEFAULT_SEED", "PERSONA_USERNAMES", "SCALE_PASSWORD", "ScaleError", "build", "has_scale_data"]


class ScaleError(Exception):
    """The command refuses; the message says why."""


class Ids:
    """The next id of each table whose ids the generator chooses."""

    def __init__(self, specs):
        self._next = {}
        for key in load.EXPLICIT_IDS:
            model = specs[key][0]
            self._next[key] = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def next(self, key: str) -> int:
        value = self._next[key]
        self._next[key] = value + 1
        return value


def has_scale_data() -> bool:
    return (
        Agency.objects.filter(code__startswith=CODE_PREFIX).exists()
        or User.objects.filter(username__startswith=USER_PREFIX).exists()
    )


def _check_allowed(reset: bool) -> None:
    if getattr(settings, "ENVIRONMENT", "dev") == "production":
        raise ScaleError("seed_scale is never run with CAUNOI_ENV=production.")
    if has_scale_data() and not reset:
        raise ScaleError("This database already holds scale data; run with --reset to empty it and build again.")


def _ensure_reference_data() -> None:
    """Reference rows come with the migrations; a flushed test database needs them again."""
    if not Province.objects.exists():
        load_reference_data()
        load_support_catalogue()
    if not ReferralPurpose.objects.exists():
        load_purposes(apps)
        load_rules(apps)


def build(
    victims: int,
    *,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    chunk: int = CHUNK,
    say: Callable[[str], None] = print,
) -> dict[str, int]:
    """Build the scale data in one transaction; returns the rows written per table."""
    if victims < 10:
        raise ScaleError("Ask for at least 10 victims.")
    _check_allowed(reset)
    started = time.monotonic()
    with transaction.atomic():
        if reset:
            load.flush_operational_data()
            say("Emptied the operational tables (reference data kept).")
        _ensure_reference_data()
        writer = load.Writer()
        tables = sorted({writer.table(key) for key in writer.specs})
        constraints = []
        if writer.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO off")
                # Checking the foreign keys of a million cases takes minutes: no timeout here.
                cursor.execute("SET LOCAL statement_timeout TO 0")
            constraints = load.drop_foreign_keys(tables)
        rng = random.Random(seed)
        now = timezone.now().replace(microsecond=0)
        ids = Ids(writer.specs)
        ref = Reference()
        builder = WorldBuilder(rng, ids, ref, now, make_password(SCALE_PASSWORD))
        world = builder.build()
        for key, rows in builder.rows.items():
            writer.write(key, rows)
        say(
            f"{len(world.agencies)} agencies, {len(world.users)} staff, {len(world.facilities)} facilities "
            f"with {builder.beds_total} beds ({time.monotonic() - started:.1f} s)"
        )
        counters = {
            (code, year): last
            for code, year, last in ReferenceCounter.objects.values_list("province__code", "year", "last")
        }
        story_rows: dict[str, list[tuple]] = {key: [] for key in writer.specs if key not in builder.rows}
        stories = Stories(world, ref, ids, rng, now, story_rows, counters)
        done = 0

        def flush() -> None:
            nonlocal done
            done += len(story_rows["case"])
            for key, rows in story_rows.items():
                writer.write(key, rows)
                rows.clear()
            say(f"  {done:>9,} / {victims:,} cases ({time.monotonic() - started:.1f} s)")

        flush.chunk = chunk
        stories.run(victims, flush)
        beds = []
        for facility in world.facilities:
            for bed_id, room, label in facility.beds:
                held_for, held_until, occupied_by = stories.bed_state.get(bed_id, (None, None, None))
                beds.append((bed_id, facility.id, room, label, True, held_for, held_until, occupied_by))
        writer.write("bed", beds)
        _save_counters(counters, ref)
        writer.counts["caselead"] = load.first_leads()
        if constraints:
            say(f"Checking {len(constraints)} foreign keys ({time.monotonic() - started:.1f} s)")
            load.restore_foreign_keys(constraints)
        load.reset_sequences(load.EXPLICIT_IDS)
    say(f"Committed ({time.monotonic() - started:.1f} s); analysing the tables")
    load.analyze(tables)
    # The rows were written without the actions' signals: build the rollups from them.
    built = rollups.recompute()
    say(f"Dashboard rollups: {built} province-months ({time.monotonic() - started:.1f} s)")
    _invalidate_dashboards()
    say(f"Done in {time.monotonic() - started:.1f} s.")
    return dict(writer.counts)


def _save_counters(counters: dict[tuple[str, int], int], ref: Reference) -> None:
    """The next reference a province allocates follows the seeded ones."""
    existing = {(row.province.code, row.year): row for row in ReferenceCounter.objects.select_related("province")}
    changed, new = [], []
    for (code, year), last in counters.items():
        row = existing.get((code, year))
        if row is None:
            new.append(ReferenceCounter(province=ref.provinces[code], year=year, last=last))
        elif row.last != last:
            row.last = last
            changed.append(row)
    ReferenceCounter.objects.bulk_create(new)
    ReferenceCounter.objects.bulk_update(changed, ["last"])


def _invalidate_dashboards() -> None:
    """Cached dashboard figures of an earlier dataset must not be served for this one."""
    topics = {cache.NATIONAL}
    topics |= {f"province:{pk}" for pk in Province.objects.values_list("pk", flat=True)}
    topics |= {
        f"agency:{pk}" for pk in Agency.objects.filter(code__startswith=CODE_PREFIX).values_list("pk", flat=True)
    }
    cache.bump(topics)
