"""The `replica` alias and its router (decisions 260–262): dashboards, statistics and exports
read their figures from it; sign-in, access, audit rows and every write stay on the primary.

Here the alias is the test database itself (a mirror, as the test runner treats it), so every
answer is the same and what is asserted is which connection ran which statement.
tests/replica/test_streaming_replica.py does the same against a real standby.
"""

import socket
from unittest import mock

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.lib.replica import replica_reads
from casework.models import AuditEvent, Case, Role
from exchange import exports, tasks
from exchange.models import ExportJob
from tests.fixtures.personas import make_user, sign_in
from tests.replica.conftest import POSTGRES_REPLICA, replica_elsewhere

pytestmark = POSTGRES_REPLICA


def statements(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def writes(sql: list[str]) -> list[str]:
    return [statement for statement in sql if statement.split(" ", 1)[0] in {"INSERT", "UPDATE", "DELETE"}]


def figures_read(sql: list[str]) -> list[str]:
    return [statement for statement in sql if statement.startswith("SELECT") and '"casework_case"' in statement]


def test_a_block_that_reads_nothing_contacts_neither_server(world, replica):
    """A dashboard whose figures all come from the cache costs no replica round trip."""
    with (
        CaptureQueriesContext(replica) as standby,
        CaptureQueriesContext(connections["default"]) as primary,
        replica_reads("test"),
    ):
        pass
    assert statements(standby) == statements(primary) == []


@pytest.mark.parametrize("page", ["dashboards:dashboard", "dashboards:statistics"])
def test_dashboard_figures_come_from_the_replica_and_the_rest_from_the_primary(world, replica, page):
    client = sign_in(world.supervisor)
    before = AuditEvent.objects.count()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(replica) as standby,
    ):
        response = client.get(reverse(page))
    assert response.status_code == 200
    on_replica, on_primary = statements(standby), statements(primary)
    # The replica was asked whether it had caught up, then answered the figures, and only read.
    assert any("pg_last_wal_replay_lsn" in sql for sql in on_replica)
    assert figures_read(on_replica)
    assert writes(on_replica) == []
    # The primary: its WAL position, the session, the membership and the audit row.
    assert any("pg_current_wal_flush_lsn" in sql for sql in on_primary)
    assert any('"django_session"' in sql for sql in on_primary)
    assert any(sql.startswith('INSERT INTO "casework_auditevent"') for sql in on_primary)
    assert not figures_read(on_primary)
    assert AuditEvent.objects.count() == before + 1


def test_a_read_inside_a_transaction_stays_on_the_primary(world, replica):
    with CaptureQueriesContext(replica) as standby, transaction.atomic():
        Case.objects.filter(pk=world.case.pk).update(updated_at=timezone.now())  # it wrote
        with replica_reads("test") as block:
            assert Case.objects.filter(pk=world.case.pk).exists()
            assert block.use() is False
        with replica_reads("test"), transaction.atomic():
            assert Case.objects.filter(pk=world.case.pk).exists()
    assert statements(standby) == []


def test_writes_inside_a_replica_block_go_to_the_primary(world, replica):
    with (
        CaptureQueriesContext(replica) as standby,
        CaptureQueriesContext(connections["default"]) as primary,
        replica_reads("test") as block,
    ):
        case = Case.objects.get(pk=world.case.pk)  # read on the replica
        case.save(update_fields=["updated_at"])
        assert case.person.full_name  # a related object read inside the block: the replica
        assert block.use() is True
    case.person.refresh_from_db()  # outside the block: the primary
    assert [sql for sql in statements(primary) if sql.startswith("UPDATE")]
    assert writes(statements(standby)) == [], statements(standby)
    assert len(figures_read(statements(standby))) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_replica_costs_nothing_but_time(world, replica, caplog):
    with (
        replica_elsewhere(HOST="127.0.0.1", PORT=str(free_port())),
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        response = sign_in(world.supervisor).get(reverse("dashboards:dashboard"))
    assert response.status_code == 200
    assert figures_read(statements(primary))
    assert "replica unavailable" in caplog.text


def test_a_replica_that_stays_behind_is_not_read(world, replica, settings, caplog):
    settings.DATABASE_REPLICA_WAIT_MS = 30
    with (
        mock.patch("casework.lib.replica.REPLAYED", "SELECT %s IS NULL"),
        CaptureQueriesContext(replica) as standby,
        replica_reads("test") as block,
    ):
        assert Case.objects.count() == 1
    assert block.use() is False
    assert not figures_read(statements(standby))
    assert "replica behind the primary after 30 ms" in caplog.text


def test_an_export_reads_its_rows_from_the_replica_and_writes_its_job_on_the_primary(world, replica):
    exporter = make_user("exporter", world.police, Role.SUPERVISOR)
    client = sign_in(exporter)
    with mock.patch.object(tasks.run_export, "delay"):
        response = client.post("/dashboards/exports/new/", {"kind": "cases", "format": "csv"})
    assert response.status_code == 302, response.content
    job = ExportJob.objects.latest("created_at")
    with CaptureQueriesContext(replica) as standby, CaptureQueriesContext(connections["default"]) as primary:
        assert exports.do_run_export(job.pk) is True
    job.refresh_from_db()
    assert (job.status, job.row_count) == (ExportJob.Status.DONE, 1)
    assert figures_read(statements(standby))
    assert writes(statements(standby)) == [], statements(standby)
    assert any("exportjob" in sql for sql in writes(statements(primary)))
    assert not figures_read(statements(primary))
