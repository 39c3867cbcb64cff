"""Cached dashboard and statistics aggregates, invalidated per scope (QUALITY P4).

Every scope a dashboard can cover — the country, a province, an agency — has a generation
number in the cache. Figures are stored under a key that names the generation of the scope
they cover, so a change to a case bumps the generations of its province of reception, its
owning agency and the country: the next request for any of those three recomputes, and every
other province and agency keeps its cached figures. A case whose province or owning agency
changes (the HTCDS re-import can write a new province of reception) bumps the scopes it
leaves as well as those it enters (`dashboards.invalidation`).

Generations are bumped after the transaction commits. A request that read a generation
before the bump stores its figures under the old generation, which nobody asks for again,
so a figure computed from data older than a committed change is never served after it.

An expired figure is recomputed once: the first request takes a lock (`cache.add` with a
timeout) and computes; the others wait for its figures, briefly, and then show the previous
figures marked as such rather than compute the same thing again (decision 247).

Only aggregates over cases are cached by generation; what moves with the clock or with the
beds (overdue referral steps, bed occupancy) is kept a few seconds at most (`briefly`,
CAUNOI_DASHBOARD_LIVE_SECONDS, decision 282).

If the cache does not answer, `cached` raises `FiguresUnavailable` and the page says "Số liệu
tạm thời không có" instead of figures (decision 243): never a zero or a stale figure (R5), and
never every dashboard request of the country recomputing at once against the database while
Redis is down. With the cache turned off (`CAUNOI_DASHBOARD_CACHE_SECONDS=0`) figures are
always computed.
"""

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from casework.lib import generations
from casework.models import StatisticsScope

log = logging.getLogger(__name__)

PREFIX = "dash"
NATIONAL = "national"
# How often a request waiting for another's computation looks for its figures.
POLL_SECONDS = 0.05


class FiguresUnavailable(Exception):
    """The cache does not answer, so the figures are not shown (decision 243)."""


def case_topics(province_id: int | None, agency_id: int | None) -> set[str]:
    """The scopes whose figures a change to one case can move."""
    topics = {NATIONAL}
    if province_id:
        topics.add(f"province:{province_id}")
    if agency_id:
        topics.add(f"agency:{agency_id}")
    return topics


def scope_topic(scope) -> str:
    if scope.level == StatisticsScope.NATIONAL:
        return NATIONAL
    if scope.level == StatisticsScope.PROVINCE:
        return f"province:{scope.province.pk}"
    return f"agency:{scope.agency.pk}"


def _generation_key(topic: str) -> str:
    return f"{PREFIX}:gen:{topic}"


def _generation(topic: str) -> int:
    return generations.current(_generation_key(topic))


def cached(page: str, scope, params: dict, compute: Callable[[], object], *, live_if_unavailable: bool = False):
    """`compute()`, or what it returned for the same page, scope, parameters, language and day
    while nothing in the scope changed. If the cache does not answer: `FiguresUnavailable`, or
    with `live_if_unavailable` (a part that exports and workers need too, such as the
    lattice) `compute()`."""
    timeout = settings.CAUNOI_DASHBOARD_CACHE_SECONDS
    if not timeout:
        return compute()
    try:
        topic = scope_topic(scope)
        fingerprint = json.dumps(
            {"params": params, "lang": get_language(), "day": timezone.localdate().isoformat()},
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
        key = f"{PREFIX}:{page}:{topic}:{_generation(topic)}:{digest}"
        found = cache.get(key)
    except Exception as error:  # noqa: BLE001 — any failure of the cache backend
        if live_if_unavailable:
            log.warning("dashboard cache unavailable; computing %s uncached", page, exc_info=True)
            return compute()
        log.warning("dashboard cache unavailable; %s not shown", page, exc_info=True)
        raise FiguresUnavailable(page) from error
    if found is not None:
        return found
    return _compute_once(key, f"{PREFIX}:{page}:{topic}:latest:{digest}", compute, timeout)


def _compute_once(key: str, latest_key: str, compute: Callable[[], object], timeout: int):
    """Single flight: the request that takes the lock computes and stores; the others wait
    for its value, at most CAUNOI_DASHBOARD_RECOMPUTE_WAIT_SECONDS, then show the previous
    figures marked as such (`previous=True`), or compute themselves if there are none."""
    wait = settings.CAUNOI_DASHBOARD_RECOMPUTE_WAIT_SECONDS
    lock = f"{key}:lock"
    try:
        mine = cache.add(lock, 1, max(int(4 * wait), 30))  # expires if its holder dies
    except Exception:  # noqa: BLE001
        mine = True
    if not mine:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            found = cache.get(key)
            if found is not None:
                return found
        previous = cache.get(latest_key)
        if dataclasses.is_dataclass(previous) and "previous" in {f.name for f in dataclasses.fields(previous)}:
            return dataclasses.replace(previous, previous=True)
    try:
        value = compute()
    finally:
        if mine:
            _quietly(cache.delete, lock)
    try:
        cache.set_many({key: value, latest_key: value}, timeout)
    except Exception:  # noqa: BLE001
        log.warning("dashboard cache unavailable; %s not stored", key, exc_info=True)
    return value


def briefly(page: str, scope, params: dict, compute: Callable[[], object]):
    """What moves with the clock and the beds rather than with case saves (the overdue
    referral steps, the beds): `compute()`, kept CAUNOI_DASHBOARD_LIVE_SECONDS per scope,
    parameters and language, whatever the generations (decision 282). A cache that does not
    answer computes it: these are cheap, bounded figures, never the country's scan."""
    seconds = settings.CAUNOI_DASHBOARD_LIVE_SECONDS
    if not seconds or not settings.CAUNOI_DASHBOARD_CACHE_SECONDS:
        return compute()
    fingerprint = json.dumps({"params": params, "lang": get_language()}, sort_keys=True, default=str)
    key = f"{PREFIX}:{page}:{scope_topic(scope)}:{hashlib.sha256(fingerprint.encode()).hexdigest()[:32]}"
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001
        found = None
    if found is not None:
        return found
    value = compute()
    _quietly(cache.set, key, value, seconds)
    return value


def _quietly(call, *args) -> None:
    try:
        call(*args)
    except Exception:  # noqa: BLE001
        log.warning("dashboard cache unavailable", exc_info=True)


def bump(topics: Iterable[str]) -> None:
    for topic in set(topics):
        try:
            generations.bump(_generation_key(topic))
        except Exception:  # noqa: BLE001
            log.warning("dashboard cache unavailable; %s not invalidated", topic, exc_info=True)


def invalidate_after_commit(topics: Iterable[str]) -> None:
    topics = set(topics)
    transaction.on_commit(lambda: bump(topics))
