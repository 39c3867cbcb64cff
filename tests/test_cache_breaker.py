"""The cache's breaker (config/cache.py): a Redis that hangs costs one timeout, not one per call."""

import socket
import threading

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from casework.models import Note
from config import cache as guarded
from tests.fixtures.personas import sign_in
from tests.services import free_port


class HungRedis:
    """Accepts connections and reads what is sent, never answers: Redis paused or swapping."""

    def __init__(self) -> None:
        self.port = free_port()
        self.connections = 0
        self.commands = 0  # what reached the socket: one chunk per command sent
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", self.port))
        self._server.listen(64)
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _address = self._server.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            self.commands += chunk.count(b"\r\n*") + chunk.startswith(b"*")

    def settings(self, backend: str = "config.cache.GuardedRedisCache") -> dict:
        return {
            "default": {
                "BACKEND": backend,
                "LOCATION": f"redis://127.0.0.1:{self.port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
            }
        }

    def close(self) -> None:
        self._server.close()
        for conn in self._open:
            conn.close()


@pytest.fixture
def hung():
    server = HungRedis()
    yield server
    server.close()


def test_after_a_timeout_the_process_skips_redis_then_asks_again(hung, monkeypatch):
    with override_settings(CACHES=hung.settings()):
        cache = caches["default"]
        with pytest.raises(redis.exceptions.TimeoutError):
            cache.get("anything")
        assert hung.connections == 1
        for call in (lambda: cache.get("a"), lambda: cache.set("b", 1), lambda: cache.incr("c")):
            with pytest.raises(redis.exceptions.ConnectionError):
                call()
        assert hung.connections == 1  # none of them went to Redis
        monkeypatch.setattr(guarded, "SKIP_SECONDS", 0)  # the pause is over
        with pytest.raises(redis.exceptions.TimeoutError):
            cache.get("anything")
        assert hung.connections == 2


def test_what_says_nothing_about_redis_does_not_trip_the_breaker(monkeypatch):
    breaker = guarded.Breaker(lambda: 10.0, "cache")
    client = guarded._GuardedClient(type("Client", (), {"incr": lambda self, key, delta: _missing()})(), breaker)
    with pytest.raises(ValueError):
        client.incr("never-stored", 1)
    assert not breaker.open


def _missing():
    raise ValueError("Key 'never-stored' not found.")


def _add_note(client, case, body: str):
    return client.post(f"/cases/{case.public_id}/notes/", {"body": body, "sensitivity": "core"})


@pytest.mark.parametrize(
    ("backend", "guarded_backend"),
    [("config.cache.GuardedRedisCache", True), ("django.core.cache.backends.redis.RedisCache", False)],
)
def test_a_save_and_a_list_with_redis_hung_wait_for_it_once(
    world, hung, settings, backend, guarded_backend, django_capture_on_commit_callbacks
):
    """The save and the page it leads to succeed either way; with the breaker Redis is tried
    once, without it once per cache call (a tester measured 8–12 s for a registration)."""
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 3600  # the caches as in production
    settings.CAUNOI_HEADER_COUNTS_SECONDS = 60
    settings.CAUNOI_DASHBOARD_CACHE_SECONDS = 900
    client = sign_in(world.owner)
    with override_settings(CACHES=hung.settings(backend)), django_capture_on_commit_callbacks(execute=True):
        response = _add_note(client, world.case, "Ghi chú khi Redis treo")
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 200
        assert client.get("/").status_code == 200  # options, kept filter markup, header counts
    assert Note.objects.filter(case=world.case, body="Ghi chú khi Redis treo").exists()
    if guarded_backend:
        assert hung.commands == 1
    else:
        assert hung.commands > 1  # what the breaker saves


def test_the_client_is_built_once_per_pool_and_still_survives_a_hang(hung):
    """Django builds a `redis.Redis` per call; ours is kept per pool, and a hang still costs one
    timeout and a fresh connection afterwards (the pool's, not the client's)."""
    client = guarded.ReusingRedisCacheClient([f"redis://127.0.0.1:{hung.port}/0"], socket_timeout=0.3)
    first, again = client.get_client(), client.get_client(write=True)
    assert first is again
    assert first.connection_pool is client._get_connection_pool(write=False)
    with override_settings(CACHES=hung.settings()):
        cache = caches["default"]
        assert isinstance(cache._cache._client, guarded.ReusingRedisCacheClient)
        with pytest.raises(redis.exceptions.TimeoutError):
            cache.get("anything")
        assert cache._cache._client.get_client() is cache._cache._client.get_client()
