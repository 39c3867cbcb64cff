"""DATABASE_REPLICA_URL and the router's fixed answers (decision 260)."""

import pytest

from casework.lib.replica import ReplicaRouter, replica_reads
from casework.models import Case
from config.env import ImproperEnvironment, replica_database

PRIMARY = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "caunoi",
    "HOST": "db1",
    "PORT": "5432",
    "USER": "caunoi",
    "PASSWORD": "",
    "CONN_MAX_AGE": 60,
    "OPTIONS": {"connect_timeout": 5, "options": "-c jit=off -c statement_timeout=20000"},
}


def test_the_replica_alias_is_the_primary_s_settings_at_another_address_and_a_test_mirror():
    replica = replica_database(PRIMARY, "postgres://reader:secret@db2:5433/caunoi")
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["PASSWORD"]) == (
        "db2",
        "5433",
        "reader",
        "secret",
    )
    assert replica["OPTIONS"] == PRIMARY["OPTIONS"] and replica["OPTIONS"] is not PRIMARY["OPTIONS"]
    assert replica["CONN_MAX_AGE"] == 60
    assert replica["TEST"] == {"MIRROR": "default"}


def test_a_replica_needs_a_postgresql_primary_and_a_postgresql_url():
    with pytest.raises(ImproperEnvironment, match="needs DATABASE_URL"):
        replica_database({"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}, "postgres://db2/caunoi")
    with pytest.raises(ImproperEnvironment, match="DATABASE_REPLICA_URL scheme"):
        replica_database(PRIMARY, "mysql://db2/caunoi")


def test_the_router_writes_and_migrates_only_on_the_primary():
    router = ReplicaRouter()
    assert router.db_for_write(Case) == "default"
    assert router.db_for_read(Case) == "default"  # outside a replica block
    assert router.allow_migrate("default", "casework") is True
    assert router.allow_migrate("replica", "casework") is False


@pytest.mark.django_db
def test_without_a_replica_every_read_stays_on_the_primary():
    with replica_reads("test") as block:
        assert block.use() is False
