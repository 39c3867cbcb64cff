"""Privacy and security review probes of the dashboards, statistics, exports and case-list
filters (issue 6). Each probe asserts the safe outcome: what a user may not see stays unseen
(QUALITY S3), no figure of 1–10 about people is shown or can be worked out from the figures
around it (S6), bad input is a 4xx (S7), every view and refusal is audited (S4) and the pages
cost a fixed number of queries (P1)."""

import datetime
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework import actions
from casework.models import (
    AuditEvent,
    Case,
    CaseGrant,
    Incident,
    Membership,
    PersonStatus,
    PicklistValue,
    Role,
    SensitivityClass,
    StatisticsScope,
)
from dashboards import overview, stats, suppression, tasks
from dashboards.models import ExportJob
from dashboards.scope import Filters, Scope
from dashboards.stats import statistics_for
from referrals.actions import do_send_referral
from referrals.models import HandoverMinutes, ReferralPurpose
from support.models import Payment, SupportItem
from tests.fixtures.personas import acting, make_agency, make_case, make_user, sign_in
from tests.fixtures.queries import page_queries
from tests.fixtures.statistics import build_statistics_world, victim

DASHBOARD = reverse("dashboards:dashboard")
STATISTICS = reverse("dashboards:statistics")
EXPORTS = reverse("dashboards:exports")
EXPORT_CREATE = reverse("dashboards:export-create")
CASE_LIST = reverse("casework:case-list")
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
MARCH_DAY = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def small(value) -> bool:
    return value is not None and suppression.is_small(value)


def revealed(total, *parts) -> bool:
    """A visible total minus its visible parts gives a figure of 1 to 10."""
    if total is None or any(part is None for part in parts):
        return False
    return suppression.is_small(total - sum(parts))


def received_cases(agency, worker, count: int, *, when=MARCH_DAY, **fields) -> list[Case]:
    made = [make_case(agency, acting(worker), name=f"Người thử {agency.code} {n}") for n in range(count)]
    Case.objects.filter(pk__in=[case.pk for case in made]).update(received_at=when, **fields)
    return made


@pytest.fixture
def province_world(reference_data):
    """A provincial supervisor of the Lào Cai social agency; cases owned by the Lào Cai police."""
    police = make_agency("rv-police", "police", "LCA")
    social = make_agency("rv-social", "social_protection", "LCA")
    social.statistics_scope = StatisticsScope.PROVINCE
    social.save()
    worker = make_user("rv.worker", police, Role.CASEWORKER)
    supervisor = make_user("rv.supervisor", social, Role.SUPERVISOR)
    return type("World", (), {"police": police, "social": social, "worker": worker, "supervisor": supervisor})


def province_scope(world) -> Scope:
    return Scope.of(world.social)


# 1. Case-list filters: a class not held must not be learnt by filtering ---------------


def listed(client, **params) -> set[str]:
    response = client.get(CASE_LIST, params)
    assert response.status_code == 200
    return {case.reference for case in response.context["cases"]}


def test_incident_filter_matches_only_where_investigation_is_held(world):
    """Whether a case is linked to a criminal incident is investigation data: the case page
    shows it only to holders of `investigation`, so the filter must not reveal it either."""
    incident = Incident.objects.create(agency=world.police, criminal_case_number="VA-77/2026")
    Case.objects.filter(pk=world.case.pk).update(incident=incident)
    shelter = sign_in(world.shelter)  # core, identity, health, shelter — never investigation
    assert world.case.reference in listed(shelter)
    assert world.case.reference not in listed(shelter, incident="1")
    assert world.case.reference not in listed(shelter, incident="0")
    assert world.case.reference in listed(sign_in(world.owner), incident="1")


def test_identity_filters_reveal_nothing_to_a_core_only_holder(world):
    actions.grant_case(
        world.case,
        group=world.union.role_groups.get(role=Role.SHELTER_STAFF).group,
        classes=[SensitivityClass.CORE],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-REVIEW-CORE",
        actor=world.owner,
    )
    client = sign_in(world.outsider)
    assert world.case.reference in listed(client)
    for params in ({"sex": "female"}, {"sex": "male"}, {"age_band": "adult"}, {"minority": "0"}, {"q": "nguyen"}):
        assert world.case.reference not in listed(client, **params), params


def test_a_page_past_the_end_shows_nothing_and_no_next_page(world):
    response = sign_in(world.shelter).get(CASE_LIST, {"page": "99999"})
    assert response.status_code == 200
    assert response.context["cases"] == [] and not response.context["page"].has_next


# 2. Dashboard: no figure of 1–10 about people, shown or worked out ---------------------


def test_dashboard_share_of_children_does_not_give_away_the_adults(province_world):
    w = province_world
    received_cases(w.police, w.worker, 13, is_child=True, person_status=PersonStatus.VICTIM)
    received_cases(w.police, w.worker, 3, is_child=False, person_status=PersonStatus.VICTIM)
    data = overview.build(province_scope(w), Filters(*MARCH_PERIOD), suppress=True, today=TODAY)
    # 16 victims, 13 children: a share of 81.3 % would give away the 3 adults.
    assert data.child_share is None
    assert not revealed(data.victims, data.child_victims)


def test_dashboard_share_of_children_is_hidden_where_the_statistics_hide_its_figures(province_world):
    """The statistics hide the victims as the complement of 5 people in identification; the
    dashboard must not give the victims back as children + adults."""
    w = province_world
    received_cases(w.police, w.worker, 12, is_child=True, person_status=PersonStatus.VICTIM)
    received_cases(w.police, w.worker, 12, is_child=False, person_status=PersonStatus.VICTIM)
    received_cases(w.police, w.worker, 5, person_status=PersonStatus.IN_IDENTIFICATION)
    received_cases(w.police, w.worker, 40, person_status=PersonStatus.NOT_VICTIM)
    filters = Filters(*MARCH_PERIOD)
    figures = statistics_for(province_scope(w), filters, suppress=True).figures()
    data = overview.build(province_scope(w), filters, suppress=True, today=TODAY)
    assert figures["victims"] is None
    assert data.victims is None and data.child_share is None


MARCH_PERIOD = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
TODAY = datetime.date(2026, 11, 24)


def test_dashboard_month_bars_beyond_ten_years_do_not_give_away_the_rest(province_world):
    w = province_world
    received_cases(w.police, w.worker, 15, when=datetime.datetime(2015, 3, 10, tzinfo=datetime.UTC))
    received_cases(w.police, w.worker, 3, when=datetime.datetime(2025, 6, 10, tzinfo=datetime.UTC))
    filters = Filters(date_from=datetime.date(2010, 1, 1), date_to=TODAY)
    data = overview.build(province_scope(w), filters, suppress=True, today=TODAY)
    bars = [bar.value for bar in data.received_by_month]
    assert not revealed(data.received, *bars)


def test_dashboard_new_this_month_does_not_give_away_the_days_after_the_period(province_world):
    w = province_world
    today = datetime.date(2026, 3, 20)
    received_cases(w.police, w.worker, 15, when=datetime.datetime(2026, 3, 5, tzinfo=datetime.UTC))
    received_cases(w.police, w.worker, 3, when=datetime.datetime(2026, 3, 15, tzinfo=datetime.UTC))
    filters = Filters(date_from=datetime.date(2025, 4, 1), date_to=datetime.date(2026, 3, 10))
    data = overview.build(province_scope(w), filters, suppress=True, today=today)
    march = data.received_by_month[-1]
    assert march.label == "03/2026"
    assert not revealed(data.new_this_month, march.value)


def test_dashboard_handovers_do_not_give_away_those_not_handed_over(province_world):
    w = province_world
    cases = received_cases(w.police, w.worker, 15)
    purpose = ReferralPurpose.objects.get(code="protection_support")
    for case in cases[:12]:
        referral = do_send_referral(
            case, purpose=purpose, to_agency=w.social, from_agency=w.police, actor=acting(w.worker)
        )
        HandoverMinutes.objects.create(
            referral=referral,
            handed_over_at=MARCH_DAY + datetime.timedelta(days=2),
            place="Lào Cai",
            sender_officers="A",
            receiver_officers="B",
            recorded_by=w.worker,
        )
    data = overview.build(province_scope(w), Filters(*MARCH_PERIOD), suppress=True, today=TODAY)
    assert data.median_days_to_handover == 2.0
    # 15 received, 12 handed over: 3 not handed over would be the difference.
    assert not revealed(data.received, data.handovers)


def test_a_hidden_handover_count_shows_a_star_not_a_dash(province_world):
    w = province_world
    received_cases(w.police, w.worker, 12)
    # Without the statistics mandate: the supervisor herself sees true figures.
    w.supervisor = make_user("rv.admin", w.social, Role.AGENCY_ADMIN)
    page = sign_in(w.supervisor).get(DASHBOARD, MARCH)
    assert page.context["data"].handovers == 0
    assert 'data-testid="median-handover">—' in page.content.decode()
    with (
        mock.patch.object(overview, "_median_days_to_handover", return_value=(None, 4)),
        mock.patch.object(overview.suppression, "suppress", return_value={"handovers"}),
    ):
        page = sign_in(w.supervisor).get(DASHBOARD, MARCH)
    assert page.context["data"].handovers is None
    assert 'data-testid="median-handover">*' in page.content.decode()


def test_the_dashboard_without_a_period_counts_without_failing(province_world):
    w = province_world
    received_cases(w.police, w.worker, 12)
    data = overview.build(province_scope(w), Filters(), suppress=True, today=TODAY)
    assert data.received == 12


def test_dashboard_amount_paid_is_hidden_when_few_people_were_paid(province_world):
    """One payment to one woman, no claim decided in the period: the amount would be hers."""
    w = province_world
    (case,) = received_cases(w.police, w.worker, 1)
    Payment.objects.create(
        case=case,
        item=SupportItem.objects.first(),
        amount_vnd=5_000_000,
        paid_on=datetime.date(2026, 3, 12),
        payer_agency=w.social,
        receipt_ref="PT-01",
        recorded_by=w.worker,
        recorded_at=timezone.now(),
    )
    data = overview.build(province_scope(w), Filters(*MARCH_PERIOD), suppress=True, today=TODAY)
    assert (data.claims_approved, data.claims_refused) == (0, 0)
    assert data.paid_vnd is None


def test_dashboard_and_statistics_agree_on_the_people_received(province_world):
    """The same filters on both pages: the same total, hidden on both or shown on both."""
    w = province_world
    received_cases(w.police, w.worker, 14)
    client = sign_in(w.supervisor)
    dashboard = client.get(DASHBOARD, MARCH).context["data"]
    statistics = client.get(STATISTICS, MARCH).context["stats"].figures()
    assert dashboard.received == statistics["received"] == 14


# 3. Statistics: every figure that is the sum of others is declared ---------------------


def _victims(world, count: int, **kwargs) -> None:
    defaults = {"birth_year": 1995, "ethnicity": "01", "destination": "CN", "forms": ["ForcedMarriage"]}
    for number in range(count):
        victim(
            world.police,
            world.worker,
            received_at=MARCH_DAY,
            name=f"Người thử {number}",
            returned="",
            **(defaults | kwargs),
        )


@pytest.fixture
def stats_world(reference_data):
    world = build_statistics_world()
    world.police.statistics_scope = StatisticsScope.PROVINCE
    world.police.save()
    return world


def test_statistics_victims_linked_to_an_incident_are_not_given_away(stats_world):
    # March in Lào Cai: 5 victims, 4 with an incident. Add 12 without one: 17 victims, 13 without.
    _victims(stats_world, 12)
    figures = stats.statistics_for(Scope.of(stats_world.police), Filters(*MARCH_PERIOD), suppress=True).figures()
    assert not small(figures["victims"]) and not small(figures["victims_without_incident"])
    assert not revealed(figures["victims"], figures["victims_without_incident"])


def test_statistics_single_form_of_exploitation_does_not_give_away_the_unrecorded(province_world):
    """With one form of exploitation in the table, every victim has it or none: the rows add up."""
    w = province_world
    _victims(w, 14)
    _victims(w, 3, forms=[])
    figures = stats.statistics_for(province_scope(w), Filters(*MARCH_PERIOD), suppress=True).figures()
    forms = [key for key in figures if key.startswith("exploitation.") and key != "exploitation.none"]
    assert forms == ["exploitation.ForcedMarriage"]
    assert figures["victims"] == 17
    assert not revealed(figures["victims"], figures["exploitation.ForcedMarriage"])


def test_statistics_incidents_without_child_victims_are_not_given_away(stats_world):
    """Incidents are counted and suppressed like people: their complement too."""
    w = stats_world
    for number in range(12):
        incident = Incident.objects.create(agency=w.police, criminal_case_number=f"VA-C{number}")
        _victims(w, 1, birth_year=2014, incident=incident)
    figures = stats.statistics_for(Scope.of(w.police), Filters(*MARCH_PERIOD), suppress=True).figures()
    assert not revealed(figures["incidents"], figures["incidents_with_child_victims"])


# 4. Exports: files, jobs, membership ---------------------------------------------------


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
    response = client.get(reverse("dashboards:export-download", args=[shared.public_id]))
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
@pytest.mark.parametrize("name", ["dashboards:export-status", "dashboards:export-download"])
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
    url = reverse("dashboards:export-download", args=[someone_elses_job.public_id])
    assert client.get(url).status_code == 404


# 5. Who reaches each URL --------------------------------------------------------------


def _urls(job) -> list[tuple[str, str]]:
    return [
        ("get", DASHBOARD),
        ("get", STATISTICS),
        ("get", EXPORTS),
        ("post", EXPORT_CREATE),
        ("get", reverse("dashboards:export-status", args=[job.public_id])),
        ("get", reverse("dashboards:export-download", args=[job.public_id])),
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


# 6. Bad input --------------------------------------------------------------------------

BAD_PERIODS = [
    {"date_from": "2026-02-30"},
    {"date_to": "2026-13-01"},
    {"date_from": "0001-01-01"},
    {"date_from": "9999-12-31"},
    {"date_from": "2026-03-31", "date_to": "2026-03-01"},
    {"province": "abc"},
    {"province": "99999999999999999999"},
    {"agency": "-1"},
    {"date_from": "x" * 5000},
]


@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS])
@pytest.mark.parametrize("params", BAD_PERIODS)
def test_bad_filters_are_a_400_never_a_500(world, url, params):
    world.police.statistics_scope = StatisticsScope.NATIONAL
    world.police.save()
    response = sign_in(world.supervisor).get(url, params)
    assert response.status_code == 400, params


@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS])
def test_an_agency_outside_the_province_is_refused(world, url):
    world.police.statistics_scope = StatisticsScope.PROVINCE
    world.police.save()
    response = sign_in(world.supervisor).get(url, {"agency": world.other_police.pk})
    assert response.status_code == 400


@pytest.mark.parametrize("url", [DASHBOARD, STATISTICS])
def test_repeated_and_unknown_parameters_do_not_break_the_page(world, url):
    client = sign_in(world.supervisor)
    response = client.get(url + "?date_from=2026-03-01&date_from=2026-02-30&foo[]=1&page=99999999999999")
    assert response.status_code in (200, 400)


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


# 7. Audit -----------------------------------------------------------------------------


def test_a_dashboard_view_is_audited_with_its_scope_and_filters(world):
    sign_in(world.supervisor).get(STATISTICS, MARCH)
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, actor=world.supervisor)
    assert event.detail["page"] == "statistics"
    assert event.detail["filters"] == MARCH


def test_a_denied_download_of_an_unknown_job_is_audited(world):
    url = reverse("dashboards:export-download", args=["6f1b1d2e-1111-4222-8333-944455556666"])
    assert sign_in(world.supervisor).get(url).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=world.supervisor).exists()


# 8. Query counts (P1) -----------------------------------------------------------------


def test_the_provincial_dashboard_costs_the_same_for_few_and_many_cases(province_world):
    w = province_world
    client = sign_in(w.supervisor)
    received_cases(w.police, w.worker, 1)
    few_dashboard, _ = page_queries(client, DASHBOARD, **MARCH)
    few_statistics, _ = page_queries(client, STATISTICS, **MARCH)
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
    many_dashboard, _ = page_queries(client, DASHBOARD, **MARCH)
    many_statistics, _ = page_queries(client, STATISTICS, **MARCH)
    many_exports, _ = page_queries(client, EXPORTS)
    assert few_dashboard == many_dashboard <= 15
    assert few_statistics == many_statistics <= 15
    assert few_exports == many_exports


def test_picklist_codes_exist_for_the_probes(reference_data):
    assert PicklistValue.objects.filter(list_name=PicklistValue.List.EXPLOITATION_TYPE, code="ForcedMarriage").exists()
