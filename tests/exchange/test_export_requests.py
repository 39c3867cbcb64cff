"""Who reaches the dashboard, statistics and export pages, and what a request for an export
gets: 404 and a denied row for roles without the dashboards, a sign-in for anyone without a
membership, a 403 without the CSRF token, a 400 and no job for bad input, and a fixed number of
queries for the exports page (QUALITY S3, S4, S7, P1; review probes of issue 6)."""

from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.models import (
    AuditEvent,
    Membership,
    Role,
)
from exchange import tasks
from exchange.models import ExportJob
from tests.fixtures.personas import make_agency, make_user, sign_in
from tests.fixtures.probes import (
    received_cases,
)
from tests.fixtures.queries import page_queries

DASHBOARD = reverse("dashboards:dashboard")
STATISTICS = reverse("dashboards:statistics")
EXPORTS = reverse("exchange:exports")
EXPORT_CREATE = reverse("exchange:export-create")


@pytest.fixture
def someone_elses_job(world):
    return ExportJob.objects.create(
        requested_by=world.supervisor,
        agency=world.police,
        role=Role.SUPERVISOR,
        kind=ExportJob.Kind.CASES,
        format=ExportJob.Format.CSV,
        params={},
        status=ExportJob.Status.DONE,
        file_name="exports/nothing.csv",
        heartbeat_at=timezone.now(),
    )


# 5. Who reaches each URL --------------------------------------------------------------


def _urls(job) -> list[tuple[str, str]]:
    return [
        ("get", DASHBOARD),
        ("get", STATISTICS),
        ("get", EXPORTS),
        ("post", EXPORT_CREATE),
        ("get", reverse("exchange:export-status", args=[job.public_id])),
        ("get", reverse("exchange:export-download", args=[job.public_id])),
    ]


@pytest.mark.parametrize("persona", ["owner", "shelter"])
def test_roles_without_dashboards_get_404_and_a_denied_row_everywhere(world, someone_elses_job, persona):
    user = getattr(world, persona)
    client = sign_in(user)
    for method, url in _urls(someone_elses_job):
        before = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=user).count()
        response = getattr(client, method)(url, {"kind": "cases", "format": "csv"} if method == "post" else None)
        assert response.status_code == 404, url
        assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=user).count() == before + 1, url
    assert not ExportJob.objects.exclude(pk=someone_elses_job.pk).exists()


def test_anonymous_and_users_without_membership_are_sent_away(world, someone_elses_job):
    lonely = make_user("rv.lonely", world.police, Role.SUPERVISOR)
    Membership.objects.filter(user=lonely).update(is_active=False)
    for client in (Client(), sign_in(lonely)):
        for method, url in _urls(someone_elses_job):
            response = getattr(client, method)(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith((reverse("casework:login"), reverse("casework:choose-agency")))
    assert ExportJob.objects.count() == 1


def test_an_agency_admin_sees_the_dashboards(world):
    admin = make_user("rv.admin", world.police, Role.AGENCY_ADMIN)
    client = sign_in(admin)
    for url in (DASHBOARD, STATISTICS, EXPORTS):
        assert client.get(url).status_code == 200


def test_asking_for_an_export_without_the_csrf_token_is_refused(world):
    client = sign_in(world.supervisor)
    client.handler.enforce_csrf_checks = True
    response = client.post(EXPORT_CREATE, {"kind": "cases", "format": "csv"})
    assert response.status_code == 403
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS, EXPORTS])
def test_viewing_the_pages_changes_nothing_but_the_audit(world, url):
    client = sign_in(world.supervisor)
    client.get(url)
    assert not ExportJob.objects.exists()


# Bad input ---------------------------------------------------------------------------


EXPORT_BAD = [
    {"kind": "statistics", "format": "csv", "date_from": "2026-02-30"},
    {"kind": "statistics", "format": "csv", "date_from": "2026-03-31", "date_to": "2026-03-01"},
    {"kind": "statistics", "format": "csv", "date_from": "0001-01-01"},
    {"kind": "statistics", "format": "csv", "date_to": "9999-01-01"},
    {"kind": "statistics", "format": "csv", "province_id": "abc"},
    {"kind": "passwords", "format": "csv"},
    {"kind": "cases", "format": "pdf"},
    {"kind": ["cases", "statistics"], "format": "exe"},
]


@pytest.mark.parametrize("data", EXPORT_BAD)
def test_a_bad_export_request_is_a_400_and_no_job(world, data):
    with mock.patch.object(tasks.run_export, "delay") as delay:
        response = sign_in(world.supervisor).post(EXPORT_CREATE, data)
    assert response.status_code == 400, data
    assert not ExportJob.objects.exists()
    delay.assert_not_called()


@pytest.mark.parametrize("job", ["not-a-uuid", "00000000-0000-0000-0000-00000000000g"])
def test_a_malformed_job_id_is_404(world, job):
    response = sign_in(world.supervisor).get(f"/dashboards/exports/{job}/")
    assert response.status_code == 404


def test_a_cases_export_with_a_shared_flag_is_not_marked_shared(world):
    with mock.patch.object(tasks.run_export, "delay"):
        sign_in(world.supervisor).post(EXPORT_CREATE, {"kind": "cases", "format": "csv", "shared": "on"})
    assert ExportJob.objects.get().shared is False


# Query counts (P1) -----------------------------------------------------------------


def test_the_exports_page_costs_the_same_for_few_and_many_jobs(province_world):
    w = province_world
    client = sign_in(w.supervisor)
    received_cases(w.police, w.worker, 1)
    few_exports, _ = page_queries(client, EXPORTS)
    more = make_agency("rv-police-2", "police", "LCA")
    received_cases(more, make_user("rv.worker.2", more, Role.CASEWORKER), 49)
    for number in range(3):
        ExportJob.objects.create(
            requested_by=w.supervisor,
            agency=w.social,
            role=Role.SUPERVISOR,
            kind=ExportJob.Kind.CASES,
            format=ExportJob.Format.CSV,
            params={},
            heartbeat_at=timezone.now(),
        )
    many_exports, _ = page_queries(client, EXPORTS)
    assert few_exports == many_exports
