"""Generation numbers in the cache: the way cached entries are dropped without knowing them.

An entry's key names the generation current when it was stored; bumping the generation makes
every such key unreachable, and the entries expire on their own. A missing generation starts
from the clock, so it cannot repeat a number of an earlier life of the key (after eviction
or a restart, entries stored under a small number must not come back).

A bump the cache refused (an outage, a network blip) is owed: the process remembers it and
pays it before it next reads a generation, once the cache answers again. Otherwise the entries
stored before the change would come back with the cache and be served for their whole life
(an hour for select options). The debt lives in the process that failed to pay it: if that
process ends first, the entries' own life is the bound.
"""

import threading
import time

from django.core.cache import cache

# After a failed payment, the next attempt waits this long: during an outage every read would
# otherwise wait for the cache's connect timeout twice.
RETRY_SECONDS = 5.0

_owed: set[str] = set()
_lock = threading.Lock()
_next_try = 0.0


def current(key: str) -> int:
    if _owed:
        _pay_owed()
    value = cache.get(key)
    if value is None:
        start = time.time_ns()
        cache.add(key, start, timeout=None)
        value = cache.get(key)
        if value is None:  # evicted again at once: use what was meant to be stored
            value = start
    return value


def bump(key: str) -> None:
    """Raises what the cache raises (callers decide how loud an outage is); the bump is then
    owed and paid by a later `current` or `bump` of this process."""
    try:
        _increment(key)
    except Exception:
        with _lock:
            _owed.add(key)
        raise
    if _owed:
        _pay_owed()


def owed() -> frozenset[str]:
    return frozenset(_owed)


def _increment(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # never read yet: nothing is stored under it
        cache.add(key, time.time_ns(), timeout=None)


def _pay_owed() -> None:
    global _next_try
    now = time.monotonic()
    if now < _next_try:
        return
    with _lock:
        keys = sorted(_owed)
    for key in keys:
        try:
            _increment(key)
        except Exception:  # noqa: BLE001 — still down: stays owed, tried again later
            _next_try = now + RETRY_SECONDS
            return
        with _lock:
            _owed.discard(key)
