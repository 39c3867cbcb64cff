"""P9, run in a process of its own: how much memory a 50,000-case export adds.

`python -m bench.export_memory --limit 50000 --exporters a,b,c` (with the server's
environment) measures the peak resident set (`ru_maxrss`) after Django, openpyxl and the
export code are loaded and warmed by a 10-case export, and again after the big export; the
difference is what the export added. Two ways, whichever the data allows:

- `job`: a persona that may export sees at least `limit` cases: an HTCDS export job of its
  whole case list runs through the Celery task's code (eager, in this process), as the
  worker would run it;
- `command`: nobody sees that many: `manage.py export_htcds --limit N` exports the newest N
  cases of all (the same HTCDS writer, as an operator).

Prints one JSON object.
"""

import argparse
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _exporter_seeing(usernames: list[str], limit: int):
    """The first exporter persona whose case list holds `limit` cases, acting as that
    membership; None if none does."""
    from casework.case_filters import filter_cases
    from casework.models import Membership
    from dashboards.scope import DASHBOARD_ROLES

    for username in usernames:
        membership = (
            Membership.objects.select_related("user", "agency", "agency_group")
            .filter(user__username=username, role__in=DASHBOARD_ROLES, is_active=True, agency__is_active=True)
            .first()
        )
        if membership is None:
            continue
        user = membership.user
        user.active_membership = membership
        if filter_cases(user, {}).count() >= limit:
            return user
    return None


def _run_job(user, export_format: str) -> int:
    from exchange import exports
    from exchange.models import ExportJob

    job = exports.do_request_export(
        kind=ExportJob.Kind.HTCDS, format=export_format, params={}, shared=False, actor=user
    )  # Celery is eager here: the task runs when the request commits, in this process
    job.refresh_from_db()
    if job.status != ExportJob.Status.DONE:
        raise SystemExit(f"export job {job.public_id} ended {job.status}: {job.error}")
    return job.row_count


def _run_command(path: Path, limit: int, export_format: str) -> int:
    from django.core.management import call_command

    said = io.StringIO()
    call_command("export_htcds", str(path), "--format", export_format, "--limit", str(limit), stdout=said)
    return int(said.getvalue().split()[1])  # "exported N cases to …"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=50_000)
    parser.add_argument("--exporters", default="", help="comma-separated usernames, tried in order")
    parser.add_argument("--format", default="xlsx", choices=("xlsx", "csv"))
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection

    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        warm = Path(folder) / f"warm.{args.format}"
        _run_command(warm, 10, args.format)
        exporter = _exporter_seeing([name for name in args.exporters.split(",") if name], args.limit)
        from casework.models import Case

        available = Case.objects.count()
        before = peak_mb()
        started = time.perf_counter()
        if exporter is not None:
            mode = f"job: HTCDS export of {exporter.username}'s whole case list (Celery task code, in-process)"
            rows = _run_job(exporter, args.format)
            file_mb = None
        else:
            mode = f"command: manage.py export_htcds --limit {args.limit} (newest cases of all; nobody sees that many)"
            target = Path(folder) / f"export.{args.format}"
            rows = _run_command(target, args.limit, args.format)
            file_mb = round(target.stat().st_size / 2**20, 1)
        seconds = time.perf_counter() - started
        after = peak_mb()
    connection.close()
    return {
        "mode": mode,
        "format": args.format,
        "rows": rows,
        "cases_in_database": available,
        "seconds": round(seconds, 1),
        "baseline_peak_mb": round(before, 1),
        "peak_mb": round(after, 1),
        "growth_mb": round(after - before, 1),
        "file_mb": file_mb,
        "pid": os.getpid(),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
