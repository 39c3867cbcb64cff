"""P7: mixed load for a bounded time, closed loop, loopback only.

N virtual users each send their next request as soon as the last one is answered (the rate
the box sustains). The mix: 70% reads (case list, case page, dashboards, referral inbox), 20%
name search, 10% writes (a note added to one of the caseworker's cases through the case
page's form). Errors are any answer outside 2xx/3xx, any exception, and a redirect where the
page itself was expected (to the sign-in: the session was lost). The same users then
run /healthz alone in the same closed loop (half before, half after the mix), and the mix's
throughput is given as a share of that.
"""

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bench import pages, stats
from bench.client import BenchError, Client
from bench.config import Personas
from bench.measure import Sample, load_average, take

MIX = (
    ("case_list", 25),
    ("case_page", 25),
    ("dashboard_province", 5),
    ("dashboard_national", 5),
    ("inbox", 10),
    ("search", 20),
    ("write_note", 10),
)
# A note is added and the user is sent back to the case page; every read answers 200.
EXPECT = {"write_note": 302}
SEARCHES = ("nguyen thi", "tran van", "le thi", "pham", "hoang", "dang", "vu thi", "bui", "do thi", "ngo")


@dataclass
class Targets:
    """What the users pick from: gathered once, before the clock starts."""

    lists: list[str]
    cases: list[str]
    writable: list[str]  # cases the caseworker may add a note to
    note_sensitivity: str = "core"


class VirtualUser:
    def __init__(self, base_url: str, personas: Personas, targets: Targets, seed: int):
        self.random = random.Random(seed)
        self.targets = targets
        self.caseworker = self._signed_in(base_url, personas.caseworker, personas.password)
        self.province = self._signed_in(base_url, personas.provincial_supervisor, personas.password)
        self.national = self._signed_in(base_url, personas.national_supervisor, personas.password)
        self.shelter = self._signed_in(base_url, personas.shelter_staff, personas.password)
        self.probe = Client(base_url)
        self.token = pages.note_form(self.caseworker, targets.writable[0]).value("csrfmiddlewaretoken")

    @staticmethod
    def _signed_in(base_url: str, username: str, password: str) -> Client:
        client = Client(base_url)
        client.sign_in(username, password)
        return client

    def pick(self) -> str:
        return self.random.choices([name for name, _ in MIX], weights=[weight for _, weight in MIX])[0]

    def act(self, kind: str):
        choose = self.random.choice
        if kind == "case_list":
            return self.caseworker.get(choose(self.targets.lists))
        if kind == "case_page":
            return self.caseworker.get(choose(self.targets.cases))
        if kind == "dashboard_province":
            return self.province.get(pages.DASHBOARD)
        if kind == "dashboard_national":
            return self.national.get(pages.DASHBOARD)
        if kind == "inbox":
            return self.shelter.get(pages.INBOX)
        if kind == "search":
            return self.caseworker.get(pages.list_url({"q": choose(SEARCHES)}))
        if kind == "write_note":
            data = {
                "csrfmiddlewaretoken": self.token,
                "body": f"Ghi chú kiểm thử tải {self.random.randrange(10**6)}",
                "sensitivity": self.targets.note_sensitivity,
            }
            return self.caseworker.post(f"{choose(self.targets.writable)}notes/", data)
        if kind == "healthz":
            return self.probe.get("/healthz")
        raise ValueError(kind)


def closed_loop(users: list[VirtualUser], seconds: float, choose: Callable[[VirtualUser], str]) -> dict:
    """Every user requests back to back until the time is up; answers in flight count."""
    return _report(*collect(users, seconds, choose))


def collect(
    users: list[VirtualUser], seconds: float, choose: Callable[[VirtualUser], str]
) -> tuple[dict[str, list[Sample]], float]:
    """The samples of a closed loop by kind, and how long it ran."""
    samples: dict[str, list[Sample]] = defaultdict(list)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work(user: VirtualUser):
        mine = defaultdict(list)
        while time.perf_counter() < deadline:
            kind = choose(user)
            mine[kind].append(take(lambda kind=kind: user.act(kind), EXPECT.get(kind, 200)))
        with lock:
            for kind, found in mine.items():
                samples[kind].extend(found)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return samples, elapsed


def _report(samples: dict[str, list[Sample]], elapsed: float) -> dict:
    everything = [sample for found in samples.values() for sample in found]
    errors = [sample for sample in everything if not sample.ok]
    return {
        "seconds": round(elapsed, 1),
        "requests": len(everything),
        "errors": len(errors),
        "error_examples": sorted({sample.error for sample in errors})[:5],
        **stats.latency_summary([sample.ms for sample in everything]),
        "rps": stats.throughput(len(everything), elapsed),
        "by_kind": {
            kind: {
                "requests": len(found),
                "errors": sum(not sample.ok for sample in found),
                "p95_ms": stats.rounded(stats.percentile([sample.ms for sample in found], 95)),
            }
            for kind, found in sorted(samples.items())
        },
    }


def _merge_healthz(first: dict, second: dict) -> dict:
    requests = first["requests"] + second["requests"]
    seconds = first["seconds"] + second["seconds"]
    return {
        "seconds": round(seconds, 1),
        "requests": requests,
        "errors": first["errors"] + second["errors"],
        "rps": stats.throughput(requests, seconds),
        "p95_ms": max(first["p95_ms"] or 0, second["p95_ms"] or 0),
    }


def gather_targets(base_url: str, personas: Personas) -> Targets:
    lister = Client(base_url)
    lister.sign_in(personas.caseworker, personas.password)
    cases = pages.collect_case_links(lister, wanted=100)
    following = pages.next_link(lister.get(pages.CASE_LIST))
    lists = [pages.CASE_LIST] + ([pages.relative(following)] if following else [])
    writable = pages.writable_cases(lister)
    if not writable:
        raise BenchError(f"{personas.caseworker} may add a note to none of the cases of his list")
    return Targets(lists=lists, cases=cases, writable=writable)


def run(base_url: str, personas: Personas, *, users: int, seconds: float, healthz_seconds: float) -> dict:
    targets = gather_targets(base_url, personas)
    crowd = [VirtualUser(base_url, personas, targets, seed) for seed in range(users)]
    before = closed_loop(crowd, healthz_seconds / 2, lambda user: "healthz")
    load_before = load_average()
    mixed = closed_loop(crowd, seconds, VirtualUser.pick)
    load_after = load_average()
    after = closed_loop(crowd, healthz_seconds / 2, lambda user: "healthz")
    healthz = _merge_healthz(before, after)
    share = stats.ratio(mixed["rps"], healthz["rps"])
    return {
        "users": users,
        "mix": dict(MIX),
        **mixed,
        "healthz": healthz,
        "throughput_vs_healthz_pct": None if share is None else round(100 * share, 1),
        "load_average": [load_before, load_after],
    }


def main(argv: list[str] | None = None) -> None:
    """Against a server already running: `python -m bench.load --url http://127.0.0.1:8123`."""
    import argparse
    import json

    from bench.config import DEMO_PERSONAS, SCALE_PERSONAS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--personas", choices=("scale", "demo"), default="scale")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--healthz-seconds", type=float, default=60)
    args = parser.parse_args(argv)
    personas = SCALE_PERSONAS if args.personas == "scale" else DEMO_PERSONAS
    found = run(args.url, personas, users=args.users, seconds=args.seconds, healthz_seconds=args.healthz_seconds)
    print(json.dumps(found, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
