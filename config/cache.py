"""Django's Redis cache, with a breaker: a Redis that has just failed is not asked again at once.

Every cache call already survives an outage (the callers fall back to the database, or say that
figures are unavailable). But a Redis that hangs rather than refuses — paused, swapping, behind
a dropped network path — costs each call its whole socket timeout, and one save makes several:
the options' and dashboards' generation bumps, the header counts, the kept filter markup. A
registration took 12 s that way (R4 asks for 2). After a connection error or a timeout, this
process therefore skips Redis for `SKIP_SECONDS`: every call raises at once the connection
error it would have raised after waiting, and callers do what they do in an outage. The first
call after the pause asks Redis again, so the cache is back within that many seconds of Redis.
"""

import threading
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

from config.circuit import Breaker

# A process that saw Redis fail skips it this long.
SKIP_SECONDS = 10.0

# What says Redis is unreachable or hung (a ValueError from incr of a missing key, or a
# value that does not unpickle, says nothing about Redis and passes through).
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


_breakers: dict[tuple[str, ...], Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(servers: list[str]) -> Breaker:
    key = tuple(servers)
    with _breakers_lock:
        return _breakers.setdefault(key, Breaker(lambda: SKIP_SECONDS, "cache"))


class _GuardedClient:
    """RedisCacheClient's calls, each refused while the breaker is open and tripping it on a
    connection error or timeout."""

    def __init__(self, client: RedisCacheClient, breaker: Breaker) -> None:
        self._client = client
        self._breaker = breaker

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute
        breaker = self._breaker

        def guarded(*args: Any, **kwargs: Any) -> Any:
            breaker.check()
            try:
                return attribute(*args, **kwargs)
            except UNREACHABLE:
                breaker.trip()
                raise

        return guarded


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, with one `redis.Redis` per connection pool. Django builds a new one for
    every call, and building its table of reply callbacks was half the CPU of a cache read
    (0.25 ms); a page makes several (header counts, generations, kept markup). A `redis.Redis`
    is safe to share between threads: each command takes a connection from the pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class GuardedRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    @cached_property
    def _cache(self) -> _GuardedClient:  # type: ignore[override]
        return _GuardedClient(self._class(self._servers, **self._options), breaker_for(self._servers))
