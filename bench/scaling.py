"""BENCH_SERVERS=2: does a second web server (and a second Celery worker) add throughput?

Two gunicorn instances on two ports and two Celery workers share one database and one Redis.
The same number of virtual users runs the P7 mix either all against the first server ("one")
or spread over every server ("all"), in short windows that alternate — one, all, all, one, … —
so both configurations see the machine at the same moments, and the ratio of their throughputs
is not a ratio of two different moments (the rule of every ratio of the bench). The /healthz
closed loop is measured the same way at the start and the end.

On one machine the servers share its cores: this measures what a second process group gives
on the same box (little, when the box is CPU-bound), not a second machine's worth.
"""

from dataclasses import dataclass, field

from bench import stats
from bench.config import Personas
from bench.load import VirtualUser, collect, gather_targets
from bench.measure import Sample


@dataclass
class Tally:
    """Samples and running time of one configuration, over all of its windows."""

    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)

    def add(self, by_kind: dict[str, list[Sample]], elapsed: float) -> None:
        self.seconds += elapsed
        for found in by_kind.values():
            self.samples.extend(found)

    def summary(self) -> dict:
        durations = [sample.ms for sample in self.samples]
        return {
            "seconds": round(self.seconds, 1),
            "requests": len(self.samples),
            "errors": sum(not sample.ok for sample in self.samples),
            "rps": stats.throughput(len(self.samples), self.seconds),
            "p95_ms": stats.rounded(stats.percentile(durations, 95)),
        }


def order(rounds: int) -> list[str]:
    """one, all, all, one, one, all, …: each configuration first in every other round."""
    found = []
    for index in range(rounds):
        found += ["one", "all"] if index % 2 == 0 else ["all", "one"]
    return found


def report(servers: int, users: int, one: Tally, spread: Tally, healthz_one: Tally, healthz_all: Tally) -> dict:
    """The two configurations side by side; the ratios are "all servers" over "one server"."""
    spread_summary, alone = spread.summary(), one.summary()
    healthz_spread, healthz_alone = healthz_all.summary(), healthz_one.summary()
    return {
        "servers": servers,
        "users": users,
        "one_server": alone,
        "all_servers": spread_summary,
        "throughput_ratio": stats.rounded(stats.ratio(spread_summary["rps"], alone["rps"])),
        "healthz_one_server": healthz_alone,
        "healthz_all_servers": healthz_spread,
        "healthz_throughput_ratio": stats.rounded(stats.ratio(healthz_spread["rps"], healthz_alone["rps"])),
    }


def run(
    base_urls: list[str], personas: Personas, *, users: int, seconds: float, healthz_seconds: float, rounds: int = 3
) -> dict:
    targets = gather_targets(base_urls[0], personas)
    crowds = {
        "one": [VirtualUser(base_urls[0], personas, targets, seed) for seed in range(users)],
        "all": [VirtualUser(base_urls[seed % len(base_urls)], personas, targets, seed) for seed in range(users)],
    }
    mix = {"one": Tally(), "all": Tally()}
    healthz = {"one": Tally(), "all": Tally()}
    steps = order(rounds)
    healthz_steps = order(2)  # two windows each, at the start and at the end
    for name in healthz_steps[:2]:
        healthz[name].add(*collect(crowds[name], healthz_seconds / 4, lambda user: "healthz"))
    for name in steps:
        mix[name].add(*collect(crowds[name], seconds / len(steps), VirtualUser.pick))
    for name in healthz_steps[2:]:
        healthz[name].add(*collect(crowds[name], healthz_seconds / 4, lambda user: "healthz"))
    return report(len(base_urls), users, mix["one"], mix["all"], healthz["one"], healthz["all"])
