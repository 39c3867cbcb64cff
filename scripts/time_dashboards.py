"""Time the province and national dashboards uncached, as the supervisors of `seed_scale`.

    CAUNOI_ENV=dev DATABASE_URL=postgres://… .venv/bin/python scripts/time_dashboards.py [runs]

Each figure is the median of `runs` (10) computations (wall time, and the time spent in
the database as Django measures it) of the dashboard's aggregates
(`dashboards.overview.build`) and of the statistics page (`dashboards.stats.statistics_for`),
the dashboard cache off, over the pages' default periods (the last twelve months for the
mandated supervisors). Prints the load average beside the numbers (docs/benchmarks.md,
"Rollups"). `CAUNOI_DASHBOARD_ROLLUPS=0` times the live aggregates.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CAUNOI_DASHBOARD_CACHE_SECONDS"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.models import Membership  # noqa: E402
from dashboards import overview, stats  # noqa: E402
from dashboards.scope import Filters, Scope  # noqa: E402

PERSONAS = {"province": "scale.giamsat.tinh", "national": "scale.giamsat.quocgia"}


def median_ms(compute, runs: int) -> tuple[float, float, int]:
    """Median wall time, median time in the database (both ms) and the number of queries."""
    compute()  # warm the connection and the plans
    times, in_database = [], []
    for _run in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            compute()
            times.append((time.perf_counter() - start) * 1000)
        in_database.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    return statistics.median(times), statistics.median(in_database), len(queries.captured_queries)


def main(runs: int) -> None:
    today = timezone.localdate()
    start, end = overview.default_period(today)
    print(f"rollups: {settings.CAUNOI_DASHBOARD_ROLLUPS}; load before: {Path('/proc/loadavg').read_text().strip()}")
    for level, username in PERSONAS.items():
        membership = Membership.objects.select_related("agency__province").get(user__username=username)
        scope = Scope.for_membership(membership)
        dashboard = Filters(date_from=start, date_to=end)
        board = median_ms(lambda s=scope, f=dashboard: overview.build(s, f, suppress=False, today=today), runs)
        figures = median_ms(lambda s=scope: stats.statistics_for(s, Filters(), suppress=False), runs)
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        for page, (wall, sql, queries) in (("dashboard", board), ("statistics", figures)):
            print(f"{level:9} {page:10} {wall:7.1f} ms, in SQL {sql:7.1f} ms, {queries:3} queries   load {load}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
