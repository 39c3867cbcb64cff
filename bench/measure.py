"""Measuring one endpoint: single-client latency (interleaved with /healthz) and throughput
with several clients."""

import itertools
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import stats
from bench.client import Client, Response

SIGN_IN = "/sign-in/"


@dataclass
class Sample:
    ms: float
    status: int  # 0: the request raised
    queries: int | None = None
    db_ms: float | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def take(call: Callable[[], Response], expect: int | None = None) -> Sample:
    """One timed request. An error is an exception, an answer outside 2xx/3xx, or — when
    `expect` is given — any other status: a page that answers 302 has sent the user to the
    sign-in or the agency chooser, not shown the page."""
    started = time.perf_counter()
    try:
        response = call()
    except Exception as error:  # noqa: BLE001 — every failure is a counted error, never a crash
        return Sample((time.perf_counter() - started) * 1000, 0, error=f"{type(error).__name__}: {error}")
    error = ""
    signed_out = (response.location or "").split("?")[0].endswith(SIGN_IN)
    if not response.ok or signed_out or (expect is not None and response.status != expect):
        error = f"HTTP {response.status}" + (f" → {response.location}" if response.location else "")
    return Sample(response.elapsed_ms, response.status, response.queries, response.db_ms, error)


@dataclass
class Endpoint:
    """What one measured request does. `call(client)` makes the request with a client signed
    in as `persona`; `before()` runs untimed before each request (the cache hook)."""

    name: str
    persona: str | None
    call: Callable[[Client], Response]
    description: str = ""
    url: str = ""
    before: Callable[[], None] | None = None
    expect: int = 200
    concurrent: bool = True
    extra: dict = field(default_factory=dict)


def sequential(endpoint: Endpoint, client: Client, probe: Client, *, count: int, warmup: int) -> dict:
    """`count` requests one after another, each preceded by a /healthz request, so the page
    and its baseline see the same machine at the same moment."""
    for _ in range(warmup):
        if endpoint.before:
            endpoint.before()
        take(lambda: endpoint.call(client))
        take(lambda: probe.get("/healthz"))
    samples, baseline = [], []
    load_before = load_average()
    for _ in range(count):
        baseline.append(take(lambda: probe.get("/healthz"), 200))
        if endpoint.before:
            endpoint.before()
        samples.append(take(lambda: endpoint.call(client), endpoint.expect))
    return summarize(samples) | {"healthz": summarize(baseline), "load_average": [load_before, load_average()]}


def load_average() -> float:
    """The machine's one-minute load average, written beside every figure (issue 18)."""
    return round(os.getloadavg()[0], 2)


def concurrent(endpoint: Endpoint, clients: list[Client], *, count: int) -> dict:
    """`count` requests shared by one thread per client, as fast as the server answers."""
    tickets = itertools.count()
    samples: list[Sample] = []
    lock = threading.Lock()

    def work(client: Client):
        mine = []
        while next(tickets) < count:
            if endpoint.before:
                endpoint.before()
            mine.append(take(lambda: endpoint.call(client), endpoint.expect))
        with lock:
            samples.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    summary = summarize(samples)
    return {
        "clients": len(clients),
        "requests": len(samples),
        "errors": summary["errors"],
        "rps": stats.throughput(len(samples), seconds),
        "p95_ms": summary["p95_ms"],
    }


def summarize(samples: list[Sample]) -> dict:
    durations = [sample.ms for sample in samples]
    errors = [sample for sample in samples if not sample.ok]
    total_seconds = sum(durations) / 1000
    db_ms = [sample.db_ms for sample in samples if sample.db_ms is not None]
    return {
        "requests": len(samples),
        "errors": len(errors),
        "statuses": dict(sorted(Counter(str(sample.status) for sample in samples).items())),
        "error_examples": sorted({sample.error for sample in errors})[:3],
        **stats.latency_summary(durations),
        "rps_single": stats.throughput(len(samples), total_seconds),
        "queries": stats.count_summary([sample.queries for sample in samples]),
        "db_ms_p50": stats.rounded(stats.percentile(db_ms, 50)),
        "db_ms_p95": stats.rounded(stats.percentile(db_ms, 95)),
    }
