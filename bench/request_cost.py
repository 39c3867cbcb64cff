"""What one request costs in-process: the Django test Client in a loop, no HTTP server.

Run on a seeded database (`seed_demo` or `seed_scale`), with DEBUG off and the cache the
server would use:

    CAUNOI_ENV=dev DJANGO_DEBUG=false DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \
    CACHE_URL=redis://127.0.0.1:6379/<n> .venv/bin/python -m bench.request_cost [--user canbo.congan]

Prints, per page, the mean and median milliseconds over `--requests` requests (after a
warm-up), the SQL statements of one request and how many of them write, and the load
average beside them (the machine is shared). `--profile PATH` prints a cProfile of that page
instead. `--mix N` sends N requests of the P7 mix instead (`bench.load.MIX`: its pages, weights
and names, as the four personas of `--personas`) and prints the CPU milliseconds per request,
overall and by kind: the in-process side of P7, without the HTTP server and the load
generator. The signed-in session is built as the sign-in form builds it (`complete_sign_in`),
without the second factor, so the session middleware, the idle timeout and the open-sessions
row behave as for a real user. See docs/benchmarks.md, "Per-request cost".
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

import django

WRITES = ("INSERT", "UPDATE", "DELETE")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def signed_in_client(username: str):
    from django.test import Client
    from django.utils import timezone

    from casework import sessions
    from casework.middleware import SESSION_AUTH_AT_KEY, SESSION_MEMBERSHIP_COUNT_KEY, SESSION_MEMBERSHIP_KEY
    from casework.models import Membership, User, UserSession

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    session = client.session
    memberships = list(Membership.objects.filter(user=user, is_active=True, agency__is_active=True)[:2])
    session[SESSION_AUTH_AT_KEY] = time.time()
    session[SESSION_MEMBERSHIP_COUNT_KEY] = len(memberships)
    session[SESSION_MEMBERSHIP_KEY] = memberships[0].pk
    session[sessions.SESSION_TOUCHED_KEY] = time.time()
    session.save()
    now = timezone.now()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "ip": "127.0.0.1", "user_agent": "bench", "signed_in_at": now, "last_seen_at": now},
    )
    return client, user


def pages(user) -> dict[str, str]:
    from casework.access import visible_cases
    from casework.middleware import ActiveMembershipMiddleware  # noqa: F401  (import order as in a request)
    from casework.models import Membership

    user.active_membership = (
        Membership.objects.filter(user=user, is_active=True).select_related("agency", "agency_group").first()
    )
    case = visible_cases(user).order_by("-id").first()
    return {
        "healthz": "/healthz",
        "account": "/account/",
        "today": "/today/",
        "case list": "/",
        "search": "/?q=nguyen+thi",
        "case page": f"/cases/{case.public_id}/",
    }


def mix(requests: int, personas_name: str) -> None:
    """The P7 mix in-process: what `bench.load` sends, through the test client."""
    import random
    from collections import Counter

    from bench.config import DEMO_PERSONAS, SCALE_PERSONAS
    from bench.load import MIX, SEARCHES
    from casework.access import changeable_cases, visible_cases
    from casework.models import Membership

    personas = SCALE_PERSONAS if personas_name == "scale" else DEMO_PERSONAS
    caseworker, user = signed_in_client(personas.caseworker)
    province, _ = signed_in_client(personas.provincial_supervisor)
    national, _ = signed_in_client(personas.national_supervisor)
    shelter, _ = signed_in_client(personas.shelter_staff)
    user.active_membership = (
        Membership.objects.filter(user=user, is_active=True).select_related("agency", "agency_group").first()
    )
    cases = [f"/cases/{case.public_id}/" for case in visible_cases(user).order_by("-id")[:100]]
    writable = [f"/cases/{case.public_id}/" for case in changeable_cases(user).order_by("-id")[:20]]
    chooser = random.Random(1)
    send = {
        "case_list": lambda: caseworker.get(chooser.choice(["/", "/?page=2"])),
        "case_page": lambda: caseworker.get(chooser.choice(cases)),
        "dashboard_province": lambda: province.get("/dashboards/"),
        "dashboard_national": lambda: national.get("/dashboards/"),
        "inbox": lambda: shelter.get("/referrals/"),
        "search": lambda: caseworker.get("/", {"q": chooser.choice(SEARCHES)}),
        "write_note": lambda: caseworker.post(
            chooser.choice(writable) + "notes/", {"body": "Ghi chú kiểm thử tải", "sensitivity": "core"}
        ),
    }
    for kind in send:  # every page once: imports, compiled queries, kept markup
        send[kind]()
    kinds = chooser.choices([name for name, _ in MIX], weights=[weight for _, weight in MIX], k=requests)
    cpu: Counter = Counter()
    count: Counter = Counter()
    print(f"load average before: {loadavg()}")
    for kind in kinds:
        start = time.process_time()
        status = send[kind]().status_code
        cpu[kind] += time.process_time() - start
        count[kind] += 1
        if status not in (200, 302):
            raise SystemExit(f"{kind} answered {status}")
    total = sum(cpu.values())
    print(f"{requests} requests of the P7 mix: {1000 * total / requests:.2f} CPU ms per request")
    for kind, n in count.most_common():
        print(f"  {kind:<20} {n:>5}  {1000 * cpu[kind] / n:7.2f} ms  {100 * cpu[kind] / total:5.1f} % of the CPU")
    print(f"load average after:  {loadavg()}")


def loadavg() -> str:
    with open("/proc/loadavg") as file:
        return file.read().strip()


def one_request(client, url: str) -> tuple[int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first request of a session may tidy up (open sessions, caches)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    sqls = [query["sql"].lstrip().upper() for query in captured.captured_queries]
    return response.status_code, len(sqls), sum(1 for sql in sqls if sql.startswith(WRITES))


def timed(client, url: str, requests: int, warmup: int) -> tuple[list[float], float]:
    """Wall milliseconds of each request, and the mean CPU milliseconds of this process (the
    part a loaded machine disturbs least: it leaves out PostgreSQL's and Redis's own work)."""
    for _ in range(warmup):
        client.get(url)
    times = []
    cpu_start = time.process_time()
    for _ in range(requests):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    cpu = (time.process_time() - cpu_start) * 1000 / max(requests, 1)
    return times, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="canbo.congan")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", metavar="PATH", help="profile this path instead of timing every page")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--mix", type=int, metavar="N", help="send N requests of the P7 mix instead")
    parser.add_argument("--personas", choices=("scale", "demo"), default="scale", help="for --mix")
    args = parser.parse_args(argv)
    _setup()
    if args.mix:
        mix(args.mix, args.personas)
        return 0
    client, user = signed_in_client(args.user)
    if args.profile:
        timed(client, args.profile, args.warmup, 0)
        profiler = cProfile.Profile()
        profiler.enable()
        timed(client, args.profile, args.requests, 0)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.sort).print_stats(args.lines)
        return 0
    print(f"load average before: {loadavg()}")
    print(f"{'page':<10} {'status':>6} {'queries':>7} {'writes':>6} {'mean ms':>8} {'median ms':>9} {'cpu ms':>7}")
    from django.test import Client

    anonymous = Client()
    for name, url in pages(user).items():
        # /healthz as a monitor calls it: no session cookie.
        used = anonymous if name == "healthz" else client
        status, queries, writes = one_request(used, url)
        times, cpu = timed(used, url, args.requests, args.warmup)
        print(
            f"{name:<10} {status:>6} {queries:>7} {writes:>6} "
            f"{statistics.mean(times):>8.2f} {statistics.median(times):>9.2f} {cpu:>7.2f}"
        )
    print(f"load average after:  {loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
