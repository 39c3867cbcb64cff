"""The application against a real primary and standby: `python -m tests.replica.probe`.

Run by tests/replica/test_streaming_replica.py in a process of its own, with DATABASE_URL on
the primary and DATABASE_REPLICA_URL on the standby, exactly as a deployment configures them.
It makes fictional cases through the actions, asks for the dashboard and the statistics as a
supervisor, writes, tries to write on the replica, holds the standby's replay back, and prints
what it found as one JSON line for the test to judge.
"""

import json
import os


def _statements(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def _figure_reads(statements: list[str]) -> int:
    return sum(1 for sql in statements if sql.startswith("SELECT") and '"casework_case"' in sql)


def _writes(statements: list[str]) -> int:
    return sum(1 for sql in statements if sql.split(" ", 1)[0] in {"INSERT", "UPDATE", "DELETE"})


def _load_reference_data() -> None:
    """What the migrations load (the schema was copied without rows)."""
    from django.apps import apps

    from casework.reference_data import load_reference_data
    from referrals.seed import load_purposes, load_rules
    from support.catalogue import load_support_catalogue

    load_reference_data()
    load_purposes(apps)
    load_rules(apps)
    load_support_catalogue(apps)


def run() -> dict:
    from django.db import DatabaseError, connections
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from casework.lib.replica import replica_reads
    from casework.models import Agency, AuditEvent, Case, Role, StatisticsScope
    from dashboards.scope import Filters, Scope
    from dashboards.stats import statistics_table_rows
    from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in

    primary, replica = connections["default"], connections["replica"]
    found: dict = {}

    def server(connection) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')")
            in_recovery, port = cursor.fetchone()
        return {"in_recovery": in_recovery, "port": int(port)}

    found["servers"] = {"default": server(primary), "replica": server(replica)}

    _load_reference_data()
    police = make_agency("r-police", "police", "LCA")
    owner = make_user("r.owner", police, Role.CASEWORKER)
    supervisor = make_user("r.supervisor", police, Role.SUPERVISOR)
    # A provincial supervisor's figures come from the rollups (dashboards.rollups), whose
    # distinct incidents are one raw statement: it must go to the replica too.
    province = make_agency("r-province", "police", "LCA")
    Agency.objects.filter(pk=province.pk).update(statistics_scope=StatisticsScope.PROVINCE)
    provincial = make_user("r.provincial", province, Role.SUPERVISOR)
    for index in range(3):
        make_case(police, acting(owner), name=f"Người Thử Nghiệm {index}", birth_year=1990 + index)

    # 1. The pages: figures from the replica, the session and the audit row on the primary.
    found["pages"] = {}
    for viewer, page in [
        (viewer, page)
        for viewer in (supervisor, provincial)
        for page in ("dashboards:dashboard", "dashboards:statistics")
    ]:
        client = sign_in(viewer)
        audit_before = AuditEvent.objects.count()
        with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(replica) as on_replica:
            response = client.get(reverse(page))
        found["pages"][f"{viewer.username} {page}"] = {
            "status": response.status_code,
            "figure_reads_on_replica": _figure_reads(_statements(on_replica)),
            "figure_reads_on_primary": _figure_reads(_statements(on_primary)),
            "writes_on_replica": _writes(_statements(on_replica)),
            "writes_on_primary": _writes(_statements(on_primary)),
            "audit_rows_added": AuditEvent.objects.count() - audit_before,
        }

    # 2. A write through the ORM goes to the primary, whatever block it is in.
    with replica_reads("probe"):
        case = make_case(police, acting(owner), name="Người Thử Ghi", birth_year=1995)
    found["write"] = {
        "on_primary": Case.objects.using("default").filter(pk=case.pk).exists(),
    }

    # 3. The standby refuses a write made on its alias.
    try:
        Case.objects.using("replica").filter(pk=case.pk).update(updated_at=case.updated_at)
        found["replica_write"] = "accepted"
    except DatabaseError as error:
        found["replica_write"] = f"{type(error).__name__}: {str(error).splitlines()[0]}"

    scope, filters = Scope.of(police), Filters()

    def figures(alias_reads: bool) -> tuple[bool, list]:
        if alias_reads:
            with replica_reads("probe") as block:
                rows = statistics_table_rows(scope, filters, suppress=False)
                return block.use(), rows
        return False, statistics_table_rows(scope, filters, suppress=False)

    # 4. Replay held back: a new case is on the primary only; a replica read then waits, gives
    # up and reads the primary, so its figures still count the new case.
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    late = make_case(police, acting(owner), name="Người Thử Muộn", birth_year=1996)
    used_while_paused, paused_rows = figures(True)
    found["paused"] = {
        "late_case_on_primary": Case.objects.using("default").filter(pk=late.pk).exists(),
        "late_case_on_replica": Case.objects.using("replica").filter(pk=late.pk).exists(),
        "replica_used": used_while_paused,
        "figures_equal_primary": paused_rows == figures(False)[1],
    }
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")

    # 5. Caught up: the replica is read again and its figures equal the primary's.
    used_after, replica_rows = figures(True)  # waited until the replica replayed the late case
    found["caught_up"] = {
        "replica_used": used_after,
        "late_case_on_replica": Case.objects.using("replica").filter(pk=late.pk).exists(),
        "figures_equal_primary": replica_rows == figures(False)[1],
        "rows": len(replica_rows),
    }
    return found


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, the in-memory e-mail
    print(json.dumps(run(), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
