"""`make bench`: QUALITY P1–P9 measured side by side, one table, bench/results.json.

For each data set of BENCH_SIZES (default "10000 200000"): make sure `caunoi_bench_<N>`
exists, is migrated and seeded (`seed_scale --victims N` unless its caseworker persona
exists), start gunicorn (5 workers) and a Celery worker against it, sign in as the personas
through the real forms, measure every page single-client (interleaved with /healthz) and
with several clients, routing (P8) and exports, and — on the largest data set only — the
mixed load (P7) and the memory of a 50,000-case export (P9). See docs/benchmarks.md.
"""

import contextlib
import datetime
import itertools
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time

from bench import exports, load, pages, report, routing, scaling, services, stats
from bench.cache import Cache
from bench.client import BenchError, Client
from bench.config import ROOT, Dataset, Settings
from bench.measure import Endpoint, concurrent, sequential

log = logging.getLogger("bench")


def machine(settings: Settings) -> dict:
    memory_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    head = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "cpu": _cpu_model(),
        "postgresql": services.postgres_version(settings),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_head": head,
        "git_dirty": dirty,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def _git(*args: str) -> str:
    try:
        git = shutil.which("git") or "git"
        done = subprocess.run([git, *args], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
        return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


class People:
    """Signed-in clients per persona: one for the single-client runs, N for the others."""

    def __init__(self, base_url: str, dataset: Dataset, count: int):
        self.base_url = base_url
        self.personas = dataset.personas
        self.count = count
        self._clients: dict[str, list[Client]] = {}

    def clients(self, role: str) -> list[Client]:
        if role not in self._clients:
            username = getattr(self.personas, role)
            signed_in = []
            for _ in range(max(self.count, 1)):
                client = Client(self.base_url)
                client.sign_in(username, self.personas.password)
                signed_in.append(client)
            self._clients[role] = signed_in
        return self._clients[role]

    def one(self, role: str) -> Client:
        return self.clients(role)[0]


def build_endpoints(people: People, cache: Cache, settings: Settings) -> tuple[list[Endpoint], dict]:
    caseworker = people.one("caseworker")
    facts = {}
    first = caseworker.get(pages.CASE_LIST, follow=True)
    facts["page1_rows"] = len(pages.case_links(first))
    deep = pages.deep_page(caseworker, pages.CASE_LIST, settings.page_deep)
    facts["deep_page"] = {"asked": settings.page_deep, "reached": deep.reached, "how": deep.method, "url": deep.url}
    case_pages = pages.collect_case_links(caseworker, wanted=50)
    if not case_pages:
        raise BenchError(f"{caseworker.username} sees no cases")
    search_url = pages.list_url({"q": settings.search})
    found = caseworker.get(search_url)
    facts["search"] = {
        "query": settings.search,
        "rows_on_first_page": len(pages.case_links(found)),
        "diacritics_matched": "Nguyễn Thị" in found.text if settings.search == "nguyen thi" else None,
    }
    rotation = itertools.cycle(case_pages)
    # The names the mixed load searches for (P7), in turn: most are rarer than the one above, and
    # a rarer name walks more of the user's cases before a page is full (decision 333).
    names = itertools.cycle([pages.list_url({"q": name}) for name in load.SEARCHES])

    def get(url):
        return lambda client: client.get(url)

    endpoints = [
        Endpoint("healthz", None, get("/healthz"), "the server's trivial page", "/healthz"),
        Endpoint("case_list_page1", "caseworker", get(pages.CASE_LIST), "newest first, 25 rows", pages.CASE_LIST),
        Endpoint(
            "case_list_deep",
            "caseworker",
            get(deep.url),
            f"page {deep.reached} ({deep.method})",
            deep.url,
            extra={"reached_page": deep.reached},
        ),
        Endpoint(
            "case_list_filtered",
            "caseworker",
            get(pages.list_url(settings.filter_query)),
            settings.filter_query,
            pages.list_url(settings.filter_query),
        ),
        Endpoint("search", "caseworker", get(search_url), f"q={settings.search}", search_url),
        Endpoint(
            "search_names",
            "caseworker",
            lambda client: client.get(next(names)),
            f"the mixed load's {len(load.SEARCHES)} names in turn",
            "/?q=<name>",
        ),
        Endpoint(
            "case_page",
            "caseworker",
            lambda client: client.get(next(rotation)),
            f"{len(case_pages)} cases in turn",
            "/cases/<uuid>/",
        ),
        Endpoint("inbox", "shelter_staff", get(pages.INBOX), "referrals received", pages.INBOX),
    ]
    for scope, role in (("province", "provincial_supervisor"), ("national", "national_supervisor")):
        endpoints.append(
            Endpoint(
                f"dashboard_{scope}_uncached",
                role,
                get(pages.DASHBOARD),
                "dashboard figures deleted from the cache before each request",
                pages.DASHBOARD,
                before=cache.bust,
            )
        )
        endpoints.append(
            Endpoint(f"dashboard_{scope}_cached", role, get(pages.DASHBOARD), "cache warm", pages.DASHBOARD)
        )
    return endpoints, facts


def measure_endpoints(endpoints: list[Endpoint], people: People, settings: Settings) -> dict:
    probe = Client(people.base_url)

    def clients(endpoint: Endpoint) -> list[Client]:
        if endpoint.persona:
            return people.clients(endpoint.persona)
        return [Client(people.base_url) for _ in range(max(settings.concurrency, 1))]

    measured = {}
    for endpoint in endpoints:
        log.info("measuring %s", endpoint.name)
        # Every gunicorn worker serves the page a few times first: a worker imports, compiles
        # templates and connects to the database on its first requests, not the page's cost.
        concurrent(endpoint, clients(endpoint), count=settings.gunicorn_workers * 3)
        client = people.one(endpoint.persona) if endpoint.persona else probe
        result = sequential(endpoint, client, probe, count=settings.requests, warmup=settings.warmup)
        result["p95_vs_healthz"] = stats.rounded(stats.ratio(result["p95_ms"], result["healthz"]["p95_ms"]))
        if endpoint.concurrent and settings.concurrency > 0 and settings.concurrent_requests > 0:
            result["concurrent"] = concurrent(endpoint, clients(endpoint), count=settings.concurrent_requests)
        measured[endpoint.name] = {
            "persona": getattr(people.personas, endpoint.persona) if endpoint.persona else None,
            "url": endpoint.url,
            "description": endpoint.description,
            **endpoint.extra,
            **result,
        }
    return measured


def run_dataset(settings: Settings, dataset: Dataset, *, largest: bool) -> tuple[dict, dict | None]:
    work = settings.work_dir / dataset.database
    media = work / "private"
    shutil.rmtree(media, ignore_errors=True)
    media.mkdir(parents=True)
    log.info("data set %s: database %s", dataset.label, dataset.database)
    prepared = services.ensure_dataset(settings, dataset, media)
    env = services.server_env(settings, dataset, media)
    cache = Cache(settings, env)
    cache.bust()  # figures of another database must never be served from this one
    result = {"database": dataset.database, "dataset": dataset.description, "prepared": prepared}
    result["personas"] = dataset.personas.names()
    result["cache"] = cache.describe()
    load_result = None
    try:
        with contextlib.ExitStack() as running:
            # Every page is measured on the first server; the others join the scaling run.
            for index in range(settings.servers):
                running.enter_context(services.celery_worker(settings, env, work, index))
            base_urls = [
                running.enter_context(services.gunicorn(settings, env, work, index))
                for index in range(settings.servers)
            ]
            base_url = base_urls[0]
            people = People(base_url, dataset, settings.concurrency)
            endpoints, facts = build_endpoints(people, cache, settings)
            marker = services.last_audit_id(settings, dataset)
            result["facts"] = facts
            result["endpoints"] = measure_endpoints(endpoints, people, settings)
            pages_found = result["endpoints"]
            result["ratios"] = {
                "deep_page": facts["deep_page"]["reached"],
                # Each p95 over the /healthz measured beside it (the two pages are minutes apart).
                "deep_vs_page1": report.relative_p95(pages_found["case_list_deep"], pages_found["case_list_page1"]),
            }
            log.info("routing: %s changes", settings.routing_changes)
            with services.connect(settings, dataset.database) as connection:
                if settings.routing_changes:
                    result["routing"] = routing.measure(
                        people.one("caseworker"), connection, changes=settings.routing_changes
                    )
                if settings.export_requests:
                    log.info("exports: %s requests", settings.export_requests)
                    result["export"] = exports.measure(
                        people.one("exporter"),
                        Client(base_url),
                        connection,
                        requests=settings.export_requests,
                        filter_query=settings.filter_query,
                    )
                    request = result["export"]["request"]
                    request["p95_vs_healthz"] = stats.rounded(
                        stats.ratio(request["p95_ms"], report.healthz_p95(request))
                    )
                    result["endpoints"]["export_request"] = {
                        "persona": result["export"]["persona"],
                        "url": pages.EXPORT_CREATE,
                        "description": f"POST, filtered list ({settings.filter_query})",
                        **request,
                    }
            if largest and settings.load_seconds > 0:
                log.info("mixed load: %s users for %s s", settings.load_users, settings.load_seconds)
                load_result = load.run(
                    base_url,
                    dataset.personas,
                    users=settings.load_users,
                    seconds=settings.load_seconds,
                    healthz_seconds=settings.load_healthz_seconds,
                )
                load_result["size"] = dataset.label
                if len(base_urls) > 1:
                    log.info(
                        "scaling: %s users, 1 vs %s servers for %s s",
                        settings.load_users,
                        len(base_urls),
                        settings.load_seconds,
                    )
                    load_result["scaling"] = scaling.run(
                        base_urls,
                        dataset.personas,
                        users=settings.load_users,
                        seconds=settings.load_seconds,
                        healthz_seconds=settings.load_healthz_seconds,
                    )
            # Someone rebuilding the database meanwhile (seed_scale --reset) signs everybody
            # out and empties the audit log: the figures would then be of sign-in redirects.
            result["intact"] = services.audit_row_exists(settings, dataset, marker)
            if not result["intact"]:
                log.warning("%s was emptied or rebuilt during the run: its figures are not valid", dataset.database)
    finally:
        shutil.rmtree(media, ignore_errors=True)  # exported files hold (fictional) victims' data
    return result, load_result


def export_memory(settings: Settings, dataset: Dataset) -> dict:
    media = settings.work_dir / dataset.database / "export-memory"
    media.mkdir(parents=True, exist_ok=True)
    personas = dataset.personas
    exporters = ",".join(
        dict.fromkeys([personas.national_supervisor, personas.provincial_supervisor, personas.exporter])
    )
    command = [sys.executable, "-m", "bench.export_memory", "--limit", str(settings.export_limit)]
    command += ["--exporters", exporters]
    env = services.server_env(settings, dataset, media, broker=False)
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    finally:
        shutil.rmtree(media, ignore_errors=True)
    if done.returncode != 0:
        return {"size": dataset.label, "error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return {"size": dataset.label, **json.loads(done.stdout.strip().splitlines()[-1])}


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench: %(message)s", datefmt="%H:%M:%S")
    settings = Settings.from_env()
    datasets = settings.datasets()
    order = report.size_order([dataset.label for dataset in datasets])
    largest = next(dataset for dataset in datasets if dataset.label == order[-1])
    started = time.monotonic()
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(settings),
        "settings": settings.public(),
        "server": {
            "command": " ".join(
                ["gunicorn config.wsgi -w", str(settings.gunicorn_workers), *services.gunicorn_worker_class(settings)]
            )
            + " -b 127.0.0.1:<free port>"
            + (f", {settings.servers} instances" if settings.servers > 1 else ""),
            "environment": "CAUNOI_ENV=dev DJANGO_DEBUG=false CAUNOI_QUERY_COUNT=1, Redis cache and broker",
            "celery": f"celery -A config worker -c {settings.celery_concurrency}"
            + (f", {settings.servers} workers" if settings.servers > 1 else ""),
        },
        "sizes": {},
    }
    for dataset in datasets:
        measured, load_result = run_dataset(settings, dataset, largest=dataset is largest)
        results["sizes"][dataset.label] = measured
        if load_result:
            results["load"] = load_result
    if settings.export_memory:
        log.info("export memory: %s cases on %s", settings.export_limit, largest.database)
        results["export_memory"] = export_memory(settings, largest)
    results["across_sizes"] = report.across_sizes(results["sizes"])
    results["checks"] = report.checks(results)
    results["seconds"] = round(time.monotonic() - started)
    results["machine"]["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    settings.results_path.parent.mkdir(parents=True, exist_ok=True)
    settings.results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(report.table(results))
    print()
    print("\n".join(report.summary_lines(results)))
    print(f"\nwritten {settings.results_path} ({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
