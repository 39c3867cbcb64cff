"""QUALITY R1 and R4 with real processes (decisions 240–241): the outbox relay in a process of
its own (`manage.py relay_outbox`) while the Celery worker is dead, and a registration while
Redis refuses or hangs. Redis is a server of the test's own, never the shared one."""

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import transaction

from casework.models import Case, Role
from messaging import outbox
from messaging.models import OutboxMessage
from referrals.models import Referral
from tests.casework.test_new_case_wizard import run_wizard
from tests.fixtures.personas import make_agency, make_user, sign_in
from tests.referrals.test_routing import new_case
from tests.services import ROOT, OwnRedis, Worker, free_port, wait_for, worker_env

ROUTE = "referrals.tasks.route_case"
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def publisher_to(url: str) -> Celery:
    """A Celery app configured like the project's (timeouts, one publish attempt) whose
    broker is `url`: broker_write_url, because the CELERY_BROKER_URL environment variable (the
    shared Redis) wins over a configured broker_url."""
    publisher = Celery("relay-test", set_as_current=False)
    publisher.config_from_object("django.conf:settings", namespace="CELERY")
    publisher.conf.update(broker_write_url=url)
    return publisher


def publish_through(monkeypatch, url: str) -> list[float]:
    """Publish the outbox's rows to `url`; returns the list each publish's seconds go to."""
    publisher = publisher_to(url)
    seconds: list[float] = []

    def dispatch(task, args, kwargs):
        started = time.perf_counter()
        try:
            publisher.send_task(outbox.MOVED_TASKS.get(task, task), args=args, kwargs=kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    monkeypatch.setattr(outbox, "dispatch", dispatch)
    return seconds


class RelayProcess:
    """`manage.py relay_outbox` against the test database and the given broker."""

    def __init__(self, broker_url: str, *options: str):
        (ROOT / "var" / "log").mkdir(parents=True, exist_ok=True)
        self.log = open(ROOT / "var" / "log" / "test-relay.log", "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "relay_outbox", *options],
            cwd=ROOT,
            env=worker_env(CELERY_BROKER_URL=broker_url),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9
        finally:
            self.log.close()


@pytest.fixture
def routing(world):
    world.commune = make_agency("rl-commune", "commune", "LCA")
    world.commune_worker = make_user("rl.commune", world.commune, Role.CASEWORKER)
    world.social = make_agency("rl-social", "social_protection", "LCA")
    OutboxMessage.objects.all().delete()  # the fixtures' own rows, never published here
    return world


def test_with_the_worker_killed_the_own_relay_publishes_and_a_returning_worker_routes_once(routing, monkeypatch):
    world = routing
    broker = OwnRedis()
    broker.start()
    worker = Worker(broker.url, "-P", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat")
    relays: list[RelayProcess] = []
    try:
        publish_through(monkeypatch, broker.url)
        worker.start()
        worker.kill()  # SIGKILL: no relay task from the beat can run on it now
        broker.stop()  # and the publish after commit fails: the row is stranded
        with transaction.atomic():
            case = new_case(world.commune, world.commune_worker)
        message = OutboxMessage.objects.get(task=ROUTE, args=[case.pk])
        assert message.published_at is None and message.last_error
        broker.start()

        # Two relays at once, as beside the beat's own: the row is published once.
        relays = [RelayProcess(broker.url, "--every", "0.5") for _number in range(2)]
        assert wait_for(lambda: OutboxMessage.objects.filter(pk=message.pk, attempts=1).exists(), timeout=60), (
            "the relay process did not publish the stranded row"
        )
        time.sleep(3)  # long enough for a second relay to publish it again, were it going to
        message.refresh_from_db()
        assert message.attempts == 1 and message.done_at is None  # no worker yet
        assert not Referral.objects.filter(case=case).exists()

        worker.start()
        assert wait_for(lambda: OutboxMessage.objects.filter(pk=message.pk, done_at__isnull=False).exists(), timeout=90)
        assert Referral.objects.filter(case=case).count() == 1
        assert Referral.objects.get(case=case).to_agency == world.social
        # Both relays end cleanly on SIGTERM, as systemd stops them.
        assert [relay.stop() for relay in relays] == [0, 0]
    finally:
        for relay in relays:
            if relay.process.poll() is None:
                relay.process.kill()
            relay.log.close()
        worker.stop()
        broker.stop()


class HungRedis:
    """A port where connections are accepted (by the kernel's backlog) and never answered."""

    def __enter__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.url = f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"
        return self

    def __exit__(self, *exc):
        self.socket.close()


def register_during(client, world) -> tuple[float, Case]:
    from casework.models import Draft

    run_wizard(client)
    kept = Draft.objects.get(user=world.owner)
    started = time.perf_counter()
    response = client.post("/cases/new/review/", {"create": "1"})
    elapsed = time.perf_counter() - started
    case = Case.objects.get(person__full_name="Lò Thị Sua")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.public_id}/"
    # The answer was lost; the user presses the button again: no second case.
    kept.save(force_insert=True)
    again = client.post("/cases/new/review/", {"create": "1"})
    assert again.status_code == 302 and again["Location"] == f"/cases/{case.public_id}/"
    assert Case.objects.filter(person__full_name="Lò Thị Sua").count() == 1
    return elapsed, case


@pytest.mark.parametrize("outage", ["refusing", "hung"])
def test_a_registration_during_a_redis_outage_is_saved_and_its_routing_waits_in_the_outbox(world, monkeypatch, outage):
    """R4. Timings go to var/measurements (reported, never asserted)."""
    if outage == "refusing":
        url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
        publishing = publish_through(monkeypatch, url)
        elapsed, case = register_during(sign_in(world.owner), world)
    else:
        with HungRedis() as hung:
            publishing = publish_through(monkeypatch, hung.url)
            elapsed, case = register_during(sign_in(world.owner), world)
    message = OutboxMessage.objects.get(task=ROUTE, args=[case.pk])
    assert message.done_at is None and message.failed_at is None
    assert message.published_at is None and message.attempts == 0 and message.last_error  # for the relay
    out = ROOT / "var" / "measurements"
    out.mkdir(parents=True, exist_ok=True)
    path = Path(out / "r4_save_during_redis_outage.json")
    found = json.loads(path.read_text()) if path.exists() else {}
    found[outage] = {"request_s": round(elapsed, 3), "publish_s": round(publishing[0], 3)}
    path.write_text(json.dumps(found, indent=2))
    print(f"R4 registration with Redis {outage}: {found[outage]}")
