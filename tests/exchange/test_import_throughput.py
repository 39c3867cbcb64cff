"""The HTCDS import at volume (issue 18): bounded work per row, short transactions, a refused
row named with the rows before it kept, and SQLite readers answered while a large import writes.

The files are fictional (`devdata.htcds_rows`)."""

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casework.models import AuditEvent, Case, CaseEvent, CaseGrant, Person, Role
from devdata.htcds_rows import as_csv, fictional_rows
from exchange import htcds
from exchange.htcds import importer
from messaging.models import OutboxMessage
from tests.fixtures.imports import rows_refused_at
from tests.fixtures.personas import acting, make_agency, make_user

# Statements per imported row, at most: the bulk statements of a chunk are shared by its 200
# rows; what stays per row is the duplicate notes on other agencies' timelines (a tenth of the
# rows here) and nothing else. One-by-one registration cost about 117.
STATEMENTS_PER_ROW = 3


@pytest.fixture
def importing(reference_data):
    """A first agency that registered 60 people, and the police of Lào Cai importing."""
    first = make_agency("tp-first", "police", "LCA")
    police = make_agency("tp-police", "police", "LCA")
    admin = acting(make_user("tp.admin", police, Role.AGENCY_ADMIN), police)
    first_admin = acting(make_user("tp.first", first, Role.AGENCY_ADMIN), first)
    assert run_import(as_csv(fictional_rows(60, seed=1)), first, first_admin).created == 60
    return police, admin


def run_import(content: bytes, agency, actor, name="file.csv") -> htcds.ImportReport:
    source = io.BytesIO(content)
    source.name = name
    with translation.override("en"):
        return htcds.import_htcds(source, agency=agency, actor=actor)


def statements_for(rows: int, seed: int, agency, actor) -> int:
    content = as_csv(fictional_rows(rows, seed=seed, same_people_as=1, same_people_count=60))
    with CaptureQueriesContext(connection) as queries:
        report = run_import(content, agency, actor)
    assert report.ok and report.created == rows and report.possible_duplicates > 0
    return len(queries)


def test_the_statements_per_row_are_bounded_and_grow_linearly(importing):
    """100 and 300 rows into fresh agencies: the 200 rows more cost at most STATEMENTS_PER_ROW
    statements each, and so does every row of either file (the rest is per chunk)."""
    police, admin = importing
    other = make_agency("tp-police-2", "police", "LCA")
    other_admin = acting(make_user("tp.admin2", other, Role.AGENCY_ADMIN), other)
    hundred = statements_for(100, 2, police, admin)
    three_hundred = statements_for(300, 3, other, other_admin)
    assert (three_hundred - hundred) / 200 <= STATEMENTS_PER_ROW
    assert three_hundred / 300 <= STATEMENTS_PER_ROW
    # Not quadratic: three times the rows cost less than three times the statements.
    assert three_hundred < 3 * hundred


def test_a_bulk_import_writes_what_one_by_one_registration_writes(importing):
    """Per case: the creation, the four grants and every move on the timeline and in the audit;
    one outbox row routes the chunk's cases; the summary audit row counts them."""
    police, admin = importing
    report = run_import(as_csv(fictional_rows(250, seed=4, same_people_as=1, same_people_count=60)), police, admin)
    assert report.ok and report.created == 250
    cases = Case.objects.filter(owning_agency=police)
    assert cases.count() == 250 and Person.objects.filter(cases__in=cases).distinct().count() == 250
    for case in cases.prefetch_related("events"):
        kinds = [event.kind for event in sorted(case.events.all(), key=lambda event: (event.at, event.pk))]
        assert kinds[:5] == [CaseEvent.Kind.CREATED] + [CaseEvent.Kind.GRANT] * 4
        moves = case.events.filter(kind__in=[CaseEvent.Kind.TRANSITION, CaseEvent.Kind.IDENTIFICATION]).count()
        audits = AuditEvent.objects.filter(case=case)
        assert audits.filter(action=AuditEvent.Action.CREATE, object_type="case").count() == 1
        assert audits.filter(action=AuditEvent.Action.GRANT).count() == 4
        assert audits.filter(action=AuditEvent.Action.TRANSITION).count() == moves
    assert CaseGrant.objects.filter(case__in=cases).count() == 4 * 250
    # Two chunks of at most 200 rows: two outbox rows route all 250 cases.
    routed = [message.args[0] for message in OutboxMessage.objects.filter(task="referrals.tasks.route_cases")]
    ours = [ids for ids in routed if set(ids) <= set(cases.values_list("pk", flat=True))]
    assert len(ours) == 2 and sorted(pk for ids in ours for pk in ids) == sorted(cases.values_list("pk", flat=True))
    summary = AuditEvent.objects.get(detail__htcds_import="file.csv", agency=police)
    assert (summary.detail["created"], summary.detail["historic"]) == (250, report.historic)


def test_a_row_the_actions_refuse_stops_the_import_there_and_keeps_the_rows_before(importing, monkeypatch):
    """Row 5 states an identification before the moment of the import, which is its reception
    when the file gives none: the checks cannot see it, the identification action refuses it.
    With chunks of 2 rows, rows 2–5 (the first four) are imported, the problem names row 6."""
    police, admin = importing
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    rows = fictional_rows(6, seed=5, incident_share=0)
    for row in rows:
        row.update({"cnx_CaseStatus": "reported", "vic_TraffickingStatus": "PossibleVictimOfTrafficking"})
        row.update({"cnx_IdentifiedOn": "", "vic_TraffickinStatusDecisionMakingOrg": "", "cas_Status": "Active"})
    rows[4].update({"cnx_ReceivedAt": "", "cnx_CaseStatus": "identified", "cnx_IdentifiedOn": "2024-01-02"})
    rows[4]["vic_TraffickingStatus"] = "ActualVictimOfTrafficking"
    report = run_import(as_csv(rows), police, admin)
    assert not report.ok and report.created == 4
    [problem] = report.problems
    assert problem.row == 6 and "The import stopped after 4 rows" in problem.message
    assert "before the person was received" in problem.message
    assert sorted(Case.objects.filter(owning_agency=police).values_list("external_id", flat=True)) == [
        "GEN-5-000001",
        "GEN-5-000002",
        "GEN-5-000003",
        "GEN-5-000004",
    ]
    # Put right and imported again: the four are found, the rest registered.
    rows[4]["cnx_IdentifiedOn"] = ""
    rows[4].update({"cnx_CaseStatus": "reported", "vic_TraffickingStatus": "PossibleVictimOfTrafficking"})
    again = run_import(as_csv(rows), police, admin)
    assert again.ok and (again.created, again.unchanged) == (2, 4)


def test_the_import_command_says_how_many_rows_it_wrote_before_it_stopped(importing, monkeypatch, tmp_path):
    """Not "nothing was imported" when the first four rows are in (decision 303)."""
    police, _admin = importing
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    target = tmp_path / "stops.csv"
    target.write_bytes(as_csv(rows_refused_at(4)))
    with translation.override("en"), pytest.raises(CommandError) as stopped:
        call_command("import_htcds", str(target), "--agency", police.code, stderr=io.StringIO())
    assert str(stopped.value).startswith(
        "1 problem(s); the import stopped after 4 row(s): created 4, updated 0, unchanged 0."
    )
    assert Case.objects.filter(owning_agency=police).count() == 4


@pytest.mark.django_db(transaction=True)
def test_sqlite_readers_are_answered_while_a_large_import_writes(reference_data, tmp_path):
    """A copy of the test database in a file, a 1,500-row import into it in another process,
    and a reader on its own connection that gives up after one second (SQLite's busy timeout):
    every read is answered, and some while the import is still running, seeing its rows grow
    (the chunks commit one by one, and WAL lets readers read beside the writer)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking only: PostgreSQL readers never wait for writers")
    path = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    (before,) = sqlite3.connect(path).execute("SELECT count(*) FROM casework_case").fetchone()
    environment = {**os.environ, "SQLITE_PATH": str(path), "CAUNOI_ENV": "test"}
    environment.pop("DATABASE_URL", None)
    environment.pop("CELERY_BROKER_URL", None)
    root = Path(settings.BASE_DIR)
    writer = subprocess.Popen(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "bench.htcds_import", "1500"],
        cwd=root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    seen_while_running = set()
    try:
        reader = sqlite3.connect(path, timeout=1.0)
        while writer.poll() is None:
            # Raises "database is locked" if the reader waited more than a second.
            (count,) = reader.execute("SELECT count(*) FROM casework_case").fetchone()
            reader.execute("SELECT id, reference FROM casework_case ORDER BY id DESC LIMIT 25").fetchall()
            if writer.poll() is None:
                seen_while_running.add(count)
        reader.close()
    finally:
        if writer.poll() is None:
            writer.kill()
        output = writer.communicate()[0].decode()
    assert writer.returncode == 0, output
    assert "rows=1500" in output and "created=1500" in output
    final = sqlite3.connect(path).execute("SELECT count(*) FROM casework_case").fetchone()[0]
    # Readers saw the import part-way: more cases than before it (the bench's first agency
    # registers 200), fewer than after it.
    assert final == before + 200 + 1500
    assert any(before + 200 < count < final for count in seen_while_running), (sorted(seen_while_running), final)
