"""Historic HTCDS import (decision 120): a Peace House's record since 2007 is registered with its
real dates and fires no routing, deadlines, verification clock or overdue flags; a live import
still routes as before. Every person here is fictional."""

import csv
import datetime
import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework.actions import do_flag_overdue_cases
from casework.models import Case, CaseStatus, Province, Role, StatusDeadline
from casework.responsibility import do_flag_overdue_tasks, do_flag_overdue_verifications
from exchange import htcds, tasks
from exchange.models import ImportJob
from referrals import routing
from referrals.models import Referral, RoutingDecision
from shelters.models import Bed, Facility, FacilityKind, FollowUpVisit, Stay
from tests.fixtures.personas import make_agency, make_user, sign_in

pytestmark = pytest.mark.django_db

HEADER = [
    "cnx_ExternalId",
    "prs_FirstName",
    "prs_SecondName",
    "prs_Gender",
    "cnx_BirthYear",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "cnx_ReceivedAt",
    "cnx_ReceptionProvince",
    "cnx_CaseStatus",
    "cnx_IdentifiedOn",
    "cnx_Facility",
    "cnx_AdmittedOn",
    "cnx_DischargedOn",
]
FIRST_NAMES = ["Hoa", "Mai", "Lan", "Huệ", "Thảo", "Nga", "Páo", "Dung"]
YEARS = range(2007, 2026)
# Ages in the year of reception, far from 18 either way: a year of birth alone decides.
AGES = [13, 14, 15, 21, 22, 23, 24, 25, 30]


@pytest.fixture(autouse=True)
def _deadlines(reference_data):
    """An administrator's limit on a reported case, so a live case has a step to be late for."""
    StatusDeadline.objects.update_or_create(status=CaseStatus.REPORTED, defaults={"hours": 48})


def peace_house_rows(count: int = 40, facility: str = "") -> list[dict]:
    """Fictional women and girls received by a Peace House from 2007 to 2025: most cases closed,
    some left open in the old record (which a live import would find long overdue)."""
    rows = []
    for number in range(count):
        year = YEARS[number * len(YEARS) // count]
        received = datetime.date(year, 1 + number % 12, 1 + number % 27)
        age = AGES[number % len(AGES)]
        closed = number % 4 != 3
        rows.append(
            {
                "cnx_ExternalId": f"PH-{number + 1:03d}",
                "prs_FirstName": FIRST_NAMES[number % len(FIRST_NAMES)],
                "prs_SecondName": "Hư Cấu Thị",
                "prs_Gender": "Feminine",
                "cnx_BirthYear": str(received.year - age),
                "vic_TraffickingStatus": "ActualVictimOfTrafficking" if closed else "PossibleVictimOfTrafficking",
                "vic_TypeOfExploitation": "ForcedLabour",
                "cnx_ReceivedAt": f"{received.isoformat()}T09:00:00+07:00",
                "cnx_ReceptionProvince": "LCA",
                "cnx_CaseStatus": CaseStatus.CLOSED if closed else CaseStatus.REPORTED,
                "cnx_IdentifiedOn": (received + datetime.timedelta(days=20)).isoformat() if closed else "",
            }
        )
        if facility:
            admitted = received + datetime.timedelta(days=number % 5)
            rows[-1] |= {
                "cnx_Facility": facility,
                "cnx_AdmittedOn": admitted.isoformat(),
                "cnx_DischargedOn": (admitted + datetime.timedelta(days=30 + number * 3)).isoformat(),
            }
    return rows


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(column, "") for column in HEADER])
    return out.getvalue().encode("utf-8")


def run_import(rows, agency, **options) -> htcds.ImportReport:
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "peace-house.csv"
    report = htcds.import_htcds(upload, agency=agency, actor=htcds.import_user(), **options)
    assert report.ok, [str(problem) for problem in report.problems]
    return report


def route_and_flag(agency) -> tuple[int, int]:
    """What the outbox and the beat would do: route every case, then flag what is overdue."""
    for case_id in Case.objects.filter(owning_agency=agency).values_list("pk", flat=True):
        routing.route_case(case_id)
    later = timezone.now() + datetime.timedelta(days=30)
    flags = do_flag_overdue_cases(later) + do_flag_overdue_verifications(later) + do_flag_overdue_tasks(later)
    return Referral.objects.filter(case__owning_agency=agency).count(), flags


@pytest.mark.parametrize("kind", ["womens_union", "commune", "social_protection"])
def test_a_peace_house_record_since_2007_imports_as_history(reference_data, kind):
    agency = make_agency(f"ph-{kind}", kind, "LCA")
    rows = peace_house_rows()
    report = run_import(rows, agency)  # historic by default: all received long before the cut-off
    assert (report.created, report.historic) == (40, 40)
    cases = Case.objects.filter(owning_agency=agency)
    assert cases.count() == 40 and not cases.filter(historic=False).exists()
    assert not cases.filter(due_at__isnull=False).exists()
    assert not cases.filter(verification_due_at__isnull=False).exists()
    received = sorted(timezone.localdate(at).year for at in cases.values_list("received_at", flat=True))
    assert (received[0], received[-1]) == (2007, 2025)
    assert cases.filter(status=CaseStatus.REPORTED).count() == 10  # open in the old record
    assert route_and_flag(agency) == (0, 0)
    assert not RoutingDecision.objects.filter(case__owning_agency=agency).exists()
    assert not cases.filter(overdue_flagged_at__isnull=False).exists()


def test_the_same_record_imported_live_routes_and_falls_overdue(reference_data):
    make_agency("ph-social", "social_protection", "LCA")  # where the commune's cases go
    agency = make_agency("ph-live", "commune", "LCA")
    report = run_import(peace_house_rows(), agency, historic=False)
    assert (report.created, report.historic) == (40, 0)
    referrals, flags = route_and_flag(agency)
    assert referrals > 0 and flags > 0


def test_the_cut_off_decides_by_the_date_of_reception(reference_data, settings):
    settings.CAUNOI_HISTORIC_BEFORE_DAYS = 365
    make_agency("ph-social", "social_protection", "LCA")
    agency = make_agency("ph-cutoff", "commune", "LCA")
    old, recent = peace_house_rows(2)
    recent["cnx_ReceivedAt"] = (timezone.now() - datetime.timedelta(days=2)).isoformat()
    recent["cnx_BirthYear"] = "2000"
    recent["cnx_IdentifiedOn"] = ""
    recent["cnx_CaseStatus"] = CaseStatus.REPORTED
    recent["vic_TraffickingStatus"] = "PossibleVictimOfTrafficking"
    report = run_import([old, recent], agency)
    assert report.historic == 1
    assert Case.objects.get(external_id="PH-001").historic
    live = Case.objects.get(external_id="PH-002")
    assert not live.historic and live.due_at is not None
    routing.route_case(live.pk)
    assert Referral.objects.filter(case=live).exists()
    settings.CAUNOI_HISTORIC_BEFORE_DAYS = 0  # the default turned off: every row is live
    other = make_agency("ph-cutoff-off", "commune", "LCA")
    assert run_import([old], other).historic == 0


def test_the_peace_house_stays_keep_their_dates_and_its_supervisor_sees_the_since_figures(reference_data):
    agency = make_agency("ph-house", "womens_union", "LCA")
    facility = Facility.objects.create(
        code="ph-house-lca",
        name="Ngôi nhà Bình yên (hư cấu)",
        kind=FacilityKind.PEACE_HOUSE,
        agency=agency,
        province=Province.objects.get(code="LCA"),
        takes_women=True,
        takes_children=True,
    )
    beds = [Bed.objects.create(facility=facility, room="A", label=str(number)) for number in (1, 2)]
    rows = peace_house_rows(facility=facility.code)
    report = run_import(rows, agency)
    assert (report.created, report.historic) == (40, 40)
    stays = Stay.objects.filter(facility=facility).select_related("case")
    assert stays.count() == 40
    for stay in stays:
        row = next(row for row in rows if row["cnx_ExternalId"] == stay.case.external_id)
        assert timezone.localdate(stay.admitted_at).isoformat() == row["cnx_AdmittedOn"]
        assert timezone.localdate(stay.discharged_at).isoformat() == row["cnx_DischargedOn"]
        assert stay.admission_recorded_at > stay.discharged_at  # entered today, not then
    assert not Bed.objects.filter(pk__in=[bed.pk for bed in beds], occupied_by__isnull=False).exists()
    assert not FollowUpVisit.objects.filter(stay__facility=facility).exists()
    assert route_and_flag(agency) == (0, 0)
    # Imported again: nothing doubles.
    assert run_import(rows, agency).created == 0 and Stay.objects.filter(facility=facility).count() == 40

    children = sum(1 for number in range(40) if AGES[number % len(AGES)] < 18)
    assert (children, 40 - children) == (15, 25)  # both kinds are in the data
    supervisor = make_user("ph.supervisor", agency, Role.SUPERVISOR)
    page = sign_in(supervisor).get(reverse("shelters:facility", args=[facility.code])).content.decode()
    assert f"Từ 01/01/2007: đã hỗ trợ lưu trú 40 người, trong đó {children} trẻ em." in page
    worker = make_user("ph.worker", agency, Role.SHELTER_STAFF)
    page = sign_in(worker).get(reverse("shelters:facility", args=[facility.code])).content.decode()
    assert 'data-testid="since"' not in page


def test_a_stay_at_another_agencys_facility_or_half_a_stay_is_refused(reference_data):
    agency = make_agency("ph-a", "womens_union", "LCA")
    other = make_agency("ph-b", "womens_union", "LCA")
    Facility.objects.create(
        code="ph-b-house",
        name="Nhà B",
        kind=FacilityKind.PEACE_HOUSE,
        agency=other,
        province=Province.objects.get(code="LCA"),
        takes_women=True,
    )
    rows = peace_house_rows(2, facility="ph-b-house")
    rows[1]["cnx_DischargedOn"] = ""
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "peace-house.csv"
    report = htcds.import_htcds(upload, agency=agency, actor=htcds.import_user())
    assert [(problem.row, problem.column) for problem in report.problems] == [
        (2, "cnx_Facility"),
        (3, "cnx_DischargedOn"),
    ]
    assert not Case.objects.filter(owning_agency=agency).exists()


@pytest.mark.parametrize(("mode", "historic"), [("", 40), ("historic", 40), ("live", 0)])
def test_the_import_page_chooses_the_mode_the_worker_applies(
    reference_data, django_capture_on_commit_callbacks, mode, historic
):
    agency = make_agency("ph-web", "womens_union", "LCA")
    admin = make_user("ph.admin", agency, Role.AGENCY_ADMIN)
    client = sign_in(admin)
    assert 'name="mode"' in client.get("/dashboards/imports/").content.decode()
    upload = SimpleUploadedFile("peace-house.csv", csv_bytes(peace_house_rows()))
    with mock.patch.object(tasks.run_import, "delay"), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboards/imports/new/", {"file": upload, "mode": mode})
    assert response.status_code == 302
    job = ImportJob.objects.get(agency=agency)
    assert job.mode == (mode or ImportJob.Mode.AUTO)
    tasks.run_import(job.pk)
    assert Case.objects.filter(owning_agency=agency, historic=True).count() == historic


def test_the_case_page_says_the_case_is_a_historic_record(reference_data):
    agency = make_agency("ph-page", "womens_union", "LCA")
    run_import(peace_house_rows(2), agency, historic=True)
    old = Case.objects.get(owning_agency=agency, external_id="PH-001")
    caseworker = make_user("ph.caseworker", agency, Role.CASEWORKER)
    page = sign_in(caseworker).get(reverse("casework:case-detail", args=[old.public_id])).content.decode()
    assert 'data-testid="case-historic">hồ sơ lịch sử<' in page
