import contextlib

import pytest
from django.db import connections

POSTGRES_REPLICA = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def _drop_connection(alias: str) -> None:
    if hasattr(connections._connections, alias):
        connections[alias].close()
        delattr(connections._connections, alias)


@pytest.fixture(scope="module")
def replica_alias(django_db_setup):
    """A `replica` alias for the tests of a module, as DATABASE_REPLICA_URL would add it, on the
    test database itself (what `TEST: {"MIRROR": "default"}` gives); the router is installed
    with it. Added before each test's database set-up, so tests may name it in `databases`."""
    from django.test.utils import override_settings

    connections.settings["replica"] = {**connections.settings["default"], "TEST": {"MIRROR": "default"}}
    try:
        with override_settings(DATABASE_ROUTERS=["casework.lib.replica.ReplicaRouter"]):
            yield
    finally:
        _drop_connection("replica")
        del connections.settings["replica"]


@pytest.fixture
def replica(replica_alias):
    return connections["replica"]


@contextlib.contextmanager
def replica_elsewhere(**address):
    """The alias pointed at another address (an unreachable port) for the block."""
    saved = connections.settings["replica"]
    _drop_connection("replica")
    connections.settings["replica"] = {**saved, **address}
    try:
        yield
    finally:
        _drop_connection("replica")
        connections.settings["replica"] = saved
