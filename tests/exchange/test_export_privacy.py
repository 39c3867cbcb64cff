"""What an export holds and who gets it: a statistics file is true inside the mandate and
suppressed for sharing or without it, a case list holds only the listed cases, a job stops when
its membership ends, and another person's job is a 404 with a denied audit row (QUALITY S3,
S4, S6; decisions 91–92; review probes of issue 6)."""

from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import actions
from casework.models import (
    AuditEvent,
    Membership,
    Role,
)
from dashboards import suppression
from exchange import tasks
from exchange.models import ExportJob
from tests.fixtures.personas import acting, make_case, make_user, sign_in
from tests.fixtures.probes import (
    MARCH,
    received_cases,
)

EXPORTS = reverse("exchange:exports")
EXPORT_CREATE = reverse("exchange:export-create")


@pytest.fixture
def run_export(django_capture_on_commit_callbacks):
    def run(client, **data):
        with (
            mock.patch.object(tasks.run_export, "delay"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(EXPORT_CREATE, {"format": "csv", **data})
        assert response.status_code == 302, response.content
        job = ExportJob.objects.latest("created_at")
        tasks.run_export(job.pk)
        job.refresh_from_db()
        return job

    return run


def _small_values(text: str) -> list[str]:
    values = [line.rsplit(",", 1)[-1].strip() for line in text.splitlines()[2:] if line.count(",") >= 2]
    return [value for value in values if value.isdigit() and suppression.is_small(int(value))]


def test_a_statistics_export_at_province_scope_is_true_internally_and_suppressed_for_sharing(
    province_world, run_export, settings, tmp_path
):
    """Decision 91-92: the provincial supervisor's own export holds her province's true
    figures and says it is internal; the one for sharing hides small cells and says so."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = tmp_path
    w = province_world
    received_cases(w.police, w.worker, 7)
    client = sign_in(w.supervisor)
    internal = run_export(client, kind="statistics", **MARCH)
    assert internal.status == ExportJob.Status.DONE and not internal.shared and not internal.suppressed
    text = (tmp_path / internal.file_name).read_text(encoding="utf-8-sig")
    assert _small_values(text)  # 7 received: shown
    assert text.splitlines()[0].lstrip('"').startswith("Thống kê chính thức – nội bộ")
    assert internal.download_name().startswith("caunoi-thong-ke-noi-bo-")
    shared = run_export(client, kind="statistics", shared="on", **MARCH)
    assert shared.shared and shared.suppressed
    text = (tmp_path / shared.file_name).read_text(encoding="utf-8-sig")
    assert not _small_values(text)
    assert text.splitlines()[0].lstrip('"').startswith("Thống kê chính thức – để chia sẻ")
    assert shared.download_name().startswith("caunoi-thong-ke-de-chia-se-")
    response = client.get(reverse("exchange:export-download", args=[shared.public_id]))
    assert "caunoi-thong-ke-de-chia-se-" in response["Content-Disposition"]


def test_a_statistics_export_without_the_mandate_is_suppressed_even_when_not_for_sharing(
    province_world, run_export, settings, tmp_path
):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = tmp_path
    w = province_world
    received_cases(w.police, w.worker, 7)
    admin = make_user("probe.admin", w.social, Role.AGENCY_ADMIN)
    job = run_export(sign_in(admin), kind="statistics", **MARCH)
    assert job.status == ExportJob.Status.DONE and not job.shared and job.suppressed
    text = (tmp_path / job.file_name).read_text(encoding="utf-8-sig")
    assert not _small_values(text)
    assert job.download_name().startswith("caunoi-thong-ke-de-chia-se-")


def test_a_cases_export_never_holds_cases_outside_the_list(world, run_export, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = tmp_path
    foreign = make_case(world.other_police, acting(make_user("rv.hn", world.other_police, Role.CASEWORKER)))
    job = run_export(sign_in(world.supervisor), kind="cases", incident="0")
    text = (tmp_path / job.file_name).read_text(encoding="utf-8-sig")
    assert foreign.reference not in text and world.case.reference in text


def test_an_export_stops_when_the_membership_ends_before_it_runs(world, django_capture_on_commit_callbacks):
    client = sign_in(world.supervisor)
    with mock.patch.object(tasks.run_export, "delay"):
        response = client.post(EXPORT_CREATE, {"format": "csv", "kind": "cases"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    Membership.objects.filter(user=world.supervisor).update(is_active=False)
    tasks.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file_name


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


@pytest.mark.parametrize("persona", ["colleague_supervisor", "other_supervisor", "owner", "shelter"])
@pytest.mark.parametrize("name", ["exchange:export-status", "exchange:export-download"])
def test_another_persons_export_job_is_404_and_audited(world, someone_elses_job, persona, name):
    if persona == "colleague_supervisor":
        user = make_user("rv.colleague.supervisor", world.police, Role.SUPERVISOR)
    else:
        user = getattr(world, persona)
    response = sign_in(user).get(reverse(name, args=[someone_elses_job.public_id]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=user).count() == 1
    assert 'data-testid="export-job"' not in response.content.decode()


def test_the_requester_acting_as_caseworker_cannot_reach_her_supervisor_job(world, someone_elses_job):
    actions.do_add_membership(world.supervisor, world.police, Role.CASEWORKER, actor=None)
    client = sign_in(world.supervisor, world.police, Role.CASEWORKER)
    url = reverse("exchange:export-download", args=[someone_elses_job.public_id])
    assert client.get(url).status_code == 404


def test_a_denied_download_of_an_unknown_job_is_audited(world):
    url = reverse("exchange:export-download", args=["6f1b1d2e-1111-4222-8333-944455556666"])
    assert sign_in(world.supervisor).get(url).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=world.supervisor).exists()
