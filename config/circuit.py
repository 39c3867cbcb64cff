"""A breaker for a service that may hang rather than refuse (Redis as cache or as broker).

A hung service costs each call its whole socket timeout; a request that makes several calls
waits for each. After one connection error or timeout the process stops calling for a few
seconds and does at once what it does in an outage (config/cache.py, messaging/outbox.py).
"""

import threading
import time
import weakref
from collections.abc import Callable

import redis

_all: "weakref.WeakSet[Breaker]" = weakref.WeakSet()


class Breaker:
    """When a service last failed, shared by every thread of the process. While it failed less
    than `seconds()` ago, `check` raises at once the connection error a call would have raised
    after its timeout."""

    def __init__(self, seconds: Callable[[], float], name: str) -> None:
        self._seconds = seconds
        self._name = name
        self._failed_at: float | None = None
        self._lock = threading.Lock()
        _all.add(self)

    def check(self) -> None:
        if self.open:
            raise redis.exceptions.ConnectionError(
                f"{self._name} skipped: Redis failed less than {self._seconds():g} s ago"
            )

    def trip(self) -> None:
        with self._lock:
            self._failed_at = time.monotonic()

    def reset(self) -> None:
        with self._lock:
            self._failed_at = None

    @property
    def open(self) -> bool:
        failed_at = self._failed_at
        return failed_at is not None and time.monotonic() - failed_at < self._seconds()


def reset_all() -> None:
    """Forget every failure of every breaker of the process (tests)."""
    for breaker in list(_all):
        breaker.reset()
