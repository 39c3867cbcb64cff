"""Export requests through the UI: how long the POST takes, and how long the job then takes.

The requests use the case list's own export button (its CSRF token, kind and format). The
latency series exports the filtered list, so the jobs it queues stay small; one export of
the exporter's whole list is then timed from the click to the job's completion, which the
harness reads from the job's row (what the exports page polls).
"""

import time
from urllib.parse import parse_qsl

from bench import stats
from bench.client import BenchError, Client
from bench.measure import summarize, take
from bench.pages import EXPORT_CREATE, export_form

GIVE_UP_SECONDS = 900
FINISHED = ("done", "failed", "expired")

JOBS = """
SELECT j.id, j.status, j.row_count, (EXTRACT(EPOCH FROM j.finished_at - j.created_at) * 1000)::float8
FROM dashboards_exportjob j JOIN casework_user u ON u.id = j.requested_by_id
WHERE u.username = %s AND j.id > %s ORDER BY j.id
"""
LAST_JOB = """
SELECT COALESCE(MAX(j.id), 0) FROM dashboards_exportjob j
JOIN casework_user u ON u.id = j.requested_by_id WHERE u.username = %s
"""


def _jobs(connection, username: str, after: int) -> list[tuple]:
    return connection.execute(JOBS, [username, after]).fetchall()


def _wait(connection, username: str, after: int, expected: int) -> list[tuple]:
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while True:
        jobs = _jobs(connection, username, after)
        if (len(jobs) >= expected and all(job[1] in FINISHED for job in jobs)) or time.monotonic() > deadline:
            return jobs
        time.sleep(0.05)


def measure(
    client: Client, probe: Client, connection, *, requests: int, filter_query: str, export_format: str = "xlsx"
) -> dict:
    """`probe` asks for /healthz before each request, the baseline of the same moment."""
    username = client.username
    form = export_form(client)
    whole_list = form.filled({"kind": "cases", "format": export_format})
    filtered = whole_list + parse_qsl(filter_query)
    after = connection.execute(LAST_JOB, [username]).fetchone()[0]
    # Asked for, the user is sent to the exports page.
    samples, baseline = [], []
    for _ in range(requests):
        baseline.append(take(lambda: probe.get("/healthz"), 200))
        samples.append(take(lambda: client.post(EXPORT_CREATE, filtered), 302))
    series = _wait(connection, username, after, len(samples))
    done = [job for job in series if job[1] == "done"]

    after = series[-1][0] if series else after
    started = time.perf_counter()
    response = client.post(EXPORT_CREATE, whole_list)
    if not response.ok:
        raise BenchError(f"export request answered {response.status}")
    full = _wait(connection, username, after, 1)
    clicked_to_done = (time.perf_counter() - started) * 1000
    job = full[0] if full else None
    return {
        "persona": username,
        "request": summarize(samples)
        | {"healthz": summarize(baseline), "filter": filter_query, "format": export_format},
        "filtered_jobs": {
            "jobs": len(series),
            "done": len(done),
            "completion_p50_ms": stats.rounded(stats.percentile([job[3] for job in done], 50)),
            "completion_p95_ms": stats.rounded(stats.percentile([job[3] for job in done], 95)),
        },
        "whole_list_job": {
            "status": job[1] if job else "not found",
            "rows": job[2] if job else None,
            "completion_ms": stats.rounded(float(job[3])) if job and job[3] is not None else None,
            "click_to_done_ms": stats.rounded(clicked_to_done),
            "format": export_format,
        },
    }
