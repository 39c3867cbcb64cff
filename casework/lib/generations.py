"""Generation numbers in the cache: the way cached entries are dropped without knowing them.

An entry's key names the generation current when it was stored; bumping the generation makes
every such key unreachable, and the entries expire on their own. A missing generation starts
from the clock, so it cannot repeat a number of an earlier life of the key (after eviction
or a restart, entries stored under a small number must not come back).
"""

import time

from django.core.cache import cache


def current(key: str) -> int:
    value = cache.get(key)
    if value is None:
        start = time.time_ns()
        cache.add(key, start, timeout=None)
        value = cache.get(key)
        if value is None:  # evicted again at once: use what was meant to be stored
            value = start
    return value


def bump(key: str) -> None:
    """Raises what the cache raises; callers decide how loud an outage is."""
    try:
        cache.incr(key)
    except ValueError:  # never read yet: nothing is stored under it
        cache.add(key, time.time_ns(), timeout=None)
