"""Dashboards, statistics and writes against a real streaming replica (issue 18, decision 261).

A primary and a `pg_basebackup -R` standby are started on free ports for this test alone
(tests/replica/cluster.py; the shared server is not touched). The primary gets the schema of
this run's migrated test database, then the application runs in a process of its own with
DATABASE_URL on the primary and DATABASE_REPLICA_URL on the standby (tests/replica/probe.py).
Under CI=true a pair that cannot be started fails the test; elsewhere it is skipped with why.
"""

import json
import os
import subprocess
import sys

import psycopg
import pytest
from django.db import connections

from tests import services
from tests.replica import cluster

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _copy_schema(source: dict, target_url: str) -> None:
    """The migrated schema of this run's test database, without rows, into the new primary."""
    env = {**os.environ, "PGPASSWORD": source["PASSWORD"] or ""}
    dump = subprocess.run(  # noqa: S603
        [
            str(cluster.BIN / "pg_dump"),
            *("-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432), "-U", source["USER"]),
            *("--schema-only", "--no-owner", "--no-privileges", source["NAME"]),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    # psql, not a driver: a dump holds psql meta-commands (`\\restrict`).
    subprocess.run(  # noqa: S603
        [str(cluster.BIN / "psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", target_url],
        input=dump,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


@pytest.fixture
def pair(db):
    reason = cluster.available()
    if reason:
        if services.CI:
            pytest.fail(f"CI=true and a streaming replica cannot be started: {reason}", pytrace=False)
        pytest.skip(f"{reason} (CI=true would fail)")
    try:
        with cluster.streaming_pair() as started:
            yield started
    except cluster.ClusterError as error:
        if services.CI:
            pytest.fail(f"CI=true and the streaming replica did not start: {error}", pytrace=False)
        pytest.skip(f"the streaming replica did not start: {error} (CI=true would fail)")


def test_dashboards_read_a_real_standby_and_writes_stay_on_the_primary(pair):
    with psycopg.connect(pair.primary_url(), autocommit=True) as primary:
        primary.execute("CREATE DATABASE caunoi")
    _copy_schema(connections["default"].settings_dict, pair.primary_url("caunoi"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "CACHE_URL", "DJANGO_SETTINGS"))
    }
    env.update(
        CAUNOI_ENV="test",
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=pair.primary_url("caunoi"),
        DATABASE_REPLICA_URL=pair.standby_url("caunoi"),
        DATABASE_REPLICA_WAIT_MS="1000",
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.replica.probe"],
        cwd=services.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n{cluster.log_tail(pair)}"
    found = json.loads(done.stdout.strip().splitlines()[-1])

    # The aliases are the two servers: the replica is the standby, in recovery.
    assert found["servers"] == {
        "default": {"in_recovery": False, "port": pair.primary_port},
        "replica": {"in_recovery": True, "port": pair.standby_port},
    }
    # The dashboard and the statistics read their figures on the standby only; the primary
    # served the session and took the audit row; nothing was written on the standby.
    for page, seen in found["pages"].items():
        assert seen["status"] == 200, page
        assert seen["figure_reads_on_replica"] > 0, page
        assert seen["figure_reads_on_primary"] == 0, page
        assert seen["writes_on_replica"] == 0, page
        assert seen["writes_on_primary"] >= 1 and seen["audit_rows_added"] == 1, page
    # Writes go to the primary; the standby refuses one made on its alias.
    assert found["write"] == {"on_primary": True}
    assert "read-only transaction" in found["replica_write"], found["replica_write"]
    # Replay held back: the late case is on the primary only, so the block read the primary.
    assert found["paused"] == {
        "late_case_on_primary": True,
        "late_case_on_replica": False,
        "replica_used": False,
        "figures_equal_primary": True,
    }
    # Caught up: the standby is read again and gives the primary's figures.
    assert found["caught_up"]["replica_used"] is True
    assert found["caught_up"]["late_case_on_replica"] is True
    assert found["caught_up"]["figures_equal_primary"] is True
    assert found["caught_up"]["rows"] > 0
