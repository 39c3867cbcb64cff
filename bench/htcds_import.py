"""HTCDS import throughput (issue 18): rows per second of `import_htcds` on the configured database.

    DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://…/N .venv/bin/python -m bench.htcds_import 500 5000
    .venv/bin/python -m bench.htcds_import 500 --profile   # SQLite (var/db.sqlite3), with cProfile

Each size imports a fresh fictional file (`devdata.htcds_rows`) into a new police agency of Lào
Cai as its agency administrator, as the import job does, so every row registers a new case;
about a tenth of the rows are people a first agency already registered (duplicate notes) and
about two thirds are historic records. The time includes the work after commit (the outbox
rows published): set CELERY_BROKER_URL, or with Celery eager the routing itself runs in the
measured time. Prints rows/s, statements per row, rows per CPU second of this process and the
load average; `--profile` prints the functions where the time went. DEBUG is off unless
DJANGO_DEBUG says otherwise. The database must be migrated; nothing is deleted.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # As a worker runs: without DEBUG's log of every statement.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()
    import exchange.htcds.importer  # noqa: F401 — imported before the clock starts, as in a worker


BASE_AGENCY = "bench-import-base"
BASE_ROWS = 200


def _agency_with_admin(code: str):
    from casework import actions
    from casework.models import Agency, AgencyKind, Membership, Province, Role, User

    agency, _created = Agency.objects.get_or_create(
        code=code,
        defaults={
            "name": f"Công an hư cấu {code}",
            "name_en": f"Fictional police {code}",
            "kind": AgencyKind.objects.get(code="police"),
            "province": Province.objects.get(code="LCA"),
        },
    )
    user, created = User.objects.get_or_create(username=f"{code}.admin", defaults={"full_name": f"Quản trị {code}"})
    if created:
        user.set_unusable_password()
        user.save()
        actions.do_add_membership(user, agency, Role.AGENCY_ADMIN, actor=None)
    user.active_membership = Membership.objects.select_related("agency").get(
        user=user, agency=agency, role=Role.AGENCY_ADMIN
    )
    return agency, user


def _import(content: bytes, agency, actor, name: str):
    from exchange import htcds

    source = io.BytesIO(content)
    source.name = name
    return htcds.import_htcds(source, agency=agency, actor=actor)


def _ensure_base() -> None:
    """A first agency that registered the people a tenth of every measured file names again."""
    from casework.models import Case
    from devdata.htcds_rows import as_csv, fictional_rows

    agency, admin = _agency_with_admin(BASE_AGENCY)
    if not Case.objects.filter(owning_agency=agency).exists():
        report = _import(as_csv(fictional_rows(BASE_ROWS, seed=1)), agency, admin, "base.csv")
        assert report.ok, report.problems[:5]


def _backend_cpu_seconds() -> float | None:
    """CPU seconds the PostgreSQL backend of this connection used so far (user + system, from
    /proc: the server must run on this machine), None elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: PTH123, SIM115
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(rows: int, *, profile: bool, seed: int) -> dict:
    from django.db import connection

    from devdata.htcds_rows import as_csv, fictional_rows

    content = as_csv(fictional_rows(rows, seed=seed, same_people_as=1, same_people_count=BASE_ROWS))
    agency, admin = _agency_with_admin(f"bench-import-{seed}")
    profiler = cProfile.Profile() if profile else None
    load_before = os.getloadavg()
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    backend_started = _backend_cpu_seconds()
    with connection.execute_wrapper(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        report = _import(content, agency, admin, f"bench-{rows}.csv")
        if profiler:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    backend_ended = _backend_cpu_seconds()
    assert report.ok, report.problems[:5]
    backend = None if backend_started is None or backend_ended is None else backend_ended - backend_started
    result = {
        "vendor": connection.vendor,
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_second": round(rows / elapsed, 1),
        "statements_per_row": round(statements / rows, 1),
        # This process's CPU (the database server's is not in it): rows/s on an idle core.
        "rows_per_cpu_second": round(rows / cpu, 1),
        # The PostgreSQL backend's CPU for the same import, and both together: what an idle
        # two-core machine would give (the two run in parallel only while a statement runs).
        "backend_cpu_seconds": None if backend is None else round(backend, 2),
        "rows_per_cpu_second_with_backend": None if backend is None else round(rows / (cpu + backend), 1),
        "created": report.created,
        "historic": report.historic,
        "possible_duplicates": report.possible_duplicates,
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        result["profile"] = out.getvalue()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[500, 5000])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    _setup()
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        print("note: Celery is eager (no CELERY_BROKER_URL): routing runs inside the measured time")
    _ensure_base()
    for size in args.sizes:
        result = measure(size, profile=args.profile, seed=time.time_ns() % 10**9)
        profile = result.pop("profile", "")
        print(" ".join(f"{key}={value}" for key, value in result.items()), flush=True)
        if profile:
            print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
