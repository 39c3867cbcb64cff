"""Past follow-up visits in an HTCDS import (decision 266): a Peace House's visits after the
stays of its record are entered with their real days, fire no reminder, notice or status move,
are found and not doubled on re-import, and a malformed cell is refused with its row and
column. Every person here is fictional."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, Case, CaseEvent, CaseStatus, Province, Role
from exchange import htcds
from messaging.models import Notification
from referrals.followups import do_remind_followups
from referrals.today import waiting_for
from shelters.history import months_after
from shelters.models import Bed, Facility, FacilityKind, FollowUpVisit, Stay
from tests.exchange.test_htcds_historic import HEADER, peace_house_rows, route_and_flag
from tests.fixtures.personas import acting, make_agency, make_user, sign_in

pytestmark = pytest.mark.django_db

FOLLOWUP_HEADER = [*HEADER, "cnx_FollowUpOn", "cnx_FollowUpOutcome"]
OUTCOMES = ["safe", "at_risk", "retrafficked", "lost_contact"]


@pytest.fixture
def peace_house(reference_data):
    agency = make_agency("ph-fu", "womens_union", "LCA")
    facility = Facility.objects.create(
        code="ph-fu-lca",
        name="Ngôi nhà Bình yên (hư cấu)",
        kind=FacilityKind.PEACE_HOUSE,
        agency=agency,
        province=Province.objects.get(code="LCA"),
        takes_women=True,
        takes_children=True,
    )
    Bed.objects.create(facility=facility, room="A", label="1")
    return agency, facility


def with_visits(rows: list[dict]) -> list[dict]:
    """Every row's stay followed by 0 to 3 visits, some months apart, in the file's order."""
    for number, row in enumerate(rows):
        discharged = datetime.date.fromisoformat(row["cnx_DischargedOn"])
        days = [discharged + datetime.timedelta(days=40 + 90 * visit) for visit in range(number % 4)]
        row["cnx_FollowUpOn"] = ";".join(day.isoformat() for day in days)
        row["cnx_FollowUpOutcome"] = ";".join(OUTCOMES[(number + visit) % 4] for visit in range(len(days)))
    return rows


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(FOLLOWUP_HEADER)
    for row in rows:
        writer.writerow([row.get(column, "") for column in FOLLOWUP_HEADER])
    return out.getvalue().encode("utf-8")


def import_rows(rows, agency, **options) -> htcds.ImportReport:
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "peace-house-followups.csv"
    return htcds.import_htcds(upload, agency=agency, actor=htcds.import_user(), **options)


def test_past_visits_keep_their_days_and_fire_nothing(peace_house):
    agency, facility = peace_house
    rows = with_visits(peace_house_rows(facility=facility.code))
    expected = {
        (row["cnx_ExternalId"], datetime.date.fromisoformat(day), outcome)
        for row in rows
        for day, outcome in zip(
            filter(None, row["cnx_FollowUpOn"].split(";")),
            filter(None, row["cnx_FollowUpOutcome"].split(";")),
            strict=True,
        )
    }
    assert len(expected) == 60  # 40 rows with 0, 1, 2 and 3 visits in turn
    statuses_before = {row["cnx_ExternalId"]: row["cnx_CaseStatus"] for row in rows}
    report = import_rows(rows, agency)
    assert report.ok, [str(problem) for problem in report.problems]
    assert (report.created, report.historic, report.followups) == (40, 40, 60)

    visits = FollowUpVisit.objects.filter(stay__facility=facility).select_related("case", "stay")
    assert {(visit.case.external_id, visit.visited_on, visit.outcome) for visit in visits} == expected
    for visit in visits:
        assert visit.from_record and visit.agency_id == agency.pk and visit.due_on == visit.visited_on
        discharged_on = timezone.localdate(visit.stay.discharged_at)
        assert visit.months == months_after(discharged_on, visit.visited_on)
        assert visit.reminded_at is None and visit.overdue_notified_at is None
    # Re-trafficked in the record moves no case: its status is the one the row states.
    assert {case.external_id: case.status for case in Case.objects.filter(owning_agency=agency)} == statuses_before
    assert visits.filter(outcome="retrafficked").exists()
    # The timeline says when each visit happened, the audit log that it was entered.
    lines = CaseEvent.objects.filter(case__owning_agency=agency, kind=CaseEvent.Kind.FOLLOWUP)
    assert lines.count() == 60
    assert {timezone.localdate(line.at) for line in lines} == {day for _ref, day, _outcome in expected}
    assert AuditEvent.objects.filter(object_type="followupvisit", detail__past=True).count() == 60

    # Nothing live: no reminder or overdue notice, no notice of an outcome, no routing, and
    # nothing on anyone's "Hôm nay" page.
    assert do_remind_followups(timezone.now() + datetime.timedelta(days=400)) == 0
    assert not Notification.objects.exists()
    assert route_and_flag(agency) == (0, 0)
    worker = make_user("ph.fu.worker", agency, Role.SHELTER_STAFF)
    supervisor = make_user("ph.fu.supervisor", agency, Role.SUPERVISOR)
    for user in (worker, supervisor):
        assert not [item for item in waiting_for(acting(user)) if item.kind == "followup"]

    # Imported again: nothing doubles; a visit added to the record is entered alone.
    again = import_rows(rows, agency)
    assert (again.created, again.followups) == (0, 0)
    assert FollowUpVisit.objects.filter(stay__facility=facility).count() == 60
    last = datetime.date.fromisoformat(rows[0]["cnx_DischargedOn"]) + datetime.timedelta(days=7)
    rows[0] |= {"cnx_FollowUpOn": last.isoformat(), "cnx_FollowUpOutcome": "safe"}
    assert import_rows(rows, agency).followups == 1
    assert FollowUpVisit.objects.filter(stay__facility=facility).count() == 61
    assert Stay.objects.filter(facility=facility).count() == 40


def test_the_stay_page_and_the_case_page_show_the_past_visits(peace_house):
    agency, facility = peace_house
    rows = with_visits(peace_house_rows(4, facility=facility.code))
    assert import_rows(rows, agency).followups == 6
    visit = FollowUpVisit.objects.filter(case__external_id="PH-004").order_by("visited_on").last()
    worker = make_user("ph.fu.staff", agency, Role.SHELTER_STAFF)
    page = sign_in(worker).get(reverse("shelters:stay", args=[visit.stay.public_id])).content.decode()
    assert page.count('data-testid="followup"') == 3
    assert page.count('data-testid="followup-from-record">nhập từ sổ sách<') == 3
    assert visit.visited_on.strftime("%d/%m/%Y") in page
    assert reverse("shelters:followup", args=[visit.pk]) not in page  # recorded: no form
    caseworker = make_user("ph.fu.caseworker", agency, Role.CASEWORKER)
    page = sign_in(caseworker).get(reverse("casework:case-detail", args=[visit.case.public_id])).content.decode()
    assert page.count('data-testid="case-followup"') == 3 and "nhập từ sổ sách" in page


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"cnx_FollowUpOn": "2019-03-02;2019-09-10", "cnx_FollowUpOutcome": "safe"}, "cnx_FollowUpOutcome"),
        ({"cnx_FollowUpOn": "2019-03-02", "cnx_FollowUpOutcome": ""}, "cnx_FollowUpOutcome"),
        ({"cnx_FollowUpOn": "", "cnx_FollowUpOutcome": "safe"}, "cnx_FollowUpOutcome"),
        ({"cnx_FollowUpOn": "02/13/2019", "cnx_FollowUpOutcome": "safe"}, "cnx_FollowUpOn"),
        ({"cnx_FollowUpOn": "2019-03-02", "cnx_FollowUpOutcome": "fine"}, "cnx_FollowUpOutcome"),
        ({"cnx_FollowUpOn": "2019-03-02;2019-03-02", "cnx_FollowUpOutcome": "safe;safe"}, "cnx_FollowUpOn"),
        ({"cnx_FollowUpOn": "2007-01-01", "cnx_FollowUpOutcome": "safe"}, "cnx_FollowUpOn"),
        ({"cnx_FollowUpOn": "2099-01-01", "cnx_FollowUpOutcome": "safe"}, "cnx_FollowUpOn"),
        ({"cnx_Facility": "", "cnx_AdmittedOn": "", "cnx_DischargedOn": ""}, "cnx_FollowUpOn"),
    ],
)
def test_a_malformed_visit_is_refused_with_its_row_and_column(peace_house, cells, column):
    agency, facility = peace_house
    rows = peace_house_rows(2, facility=facility.code)
    rows[1] |= {"cnx_FollowUpOn": "2019-03-02", "cnx_FollowUpOutcome": "safe"} | cells
    # The second row's stay ends before 2019 (the visits of the cases above come after it).
    assert rows[1]["cnx_DischargedOn"] < "2019-03-02"
    report = import_rows(rows, agency)
    assert [(problem.row, problem.column) for problem in report.problems] == [(3, column)]
    assert not Case.objects.filter(owning_agency=agency).exists()
    assert not FollowUpVisit.objects.exists()


def test_a_visit_in_the_file_is_refused_when_the_cell_lists_more_than_allowed(peace_house):
    agency, facility = peace_house
    rows = peace_house_rows(1, facility=facility.code)
    discharged = datetime.date.fromisoformat(rows[0]["cnx_DischargedOn"])
    days = [discharged + datetime.timedelta(days=day) for day in range(61)]
    rows[0] |= {"cnx_FollowUpOn": ";".join(map(str, days)), "cnx_FollowUpOutcome": ";".join(["safe"] * 61)}
    report = import_rows(rows, agency)
    assert [(problem.row, problem.column) for problem in report.problems] == [(2, "cnx_FollowUpOn")]


def test_the_import_page_explains_the_columns_and_lists_the_outcomes(peace_house):
    agency, facility = peace_house
    admin = make_user("ph.fu.admin", agency, Role.AGENCY_ADMIN)
    page = sign_in(admin).get("/dashboards/imports/").content.decode()
    assert "<code>cnx_FollowUpOn</code>" in page and "2019-03-02;2019-09-10" in page
    assert "<summary><code>cnx_FollowUpOutcome</code></summary>" in page
    assert "<code>lost_contact</code>" in page and f"<code>{facility.code}</code>" in page


def test_two_past_visits_in_one_month_after_the_discharge_are_both_kept(peace_house):
    """A planned visit is one per month of the plan; a past one is one per day, so two visits
    of the record in the same month after the discharge are both entered."""
    agency, facility = peace_house
    rows = peace_house_rows(1, facility=facility.code)
    discharged = datetime.date.fromisoformat(rows[0]["cnx_DischargedOn"])
    days = [discharged + datetime.timedelta(days=35), discharged + datetime.timedelta(days=45)]
    rows[0] |= {"cnx_FollowUpOn": ";".join(map(str, days)), "cnx_FollowUpOutcome": "safe;at_risk"}
    assert import_rows(rows, agency).followups == 2
    assert sorted(FollowUpVisit.objects.values_list("months", flat=True)) == [1, 1]
    assert Case.objects.get(external_id="PH-001").status == CaseStatus.CLOSED


def one_row_with_visits(facility, outcomes: str) -> list[dict]:
    rows = peace_house_rows(1, facility=facility.code)
    discharged = datetime.date.fromisoformat(rows[0]["cnx_DischargedOn"])
    days = [discharged + datetime.timedelta(days=40), discharged + datetime.timedelta(days=130)]
    rows[0] |= {"cnx_FollowUpOn": ";".join(map(str, days)), "cnx_FollowUpOutcome": outcomes}
    return rows


def test_a_visit_imported_again_with_its_outcome_is_a_quiet_no_op(peace_house):
    agency, facility = peace_house
    assert import_rows(one_row_with_visits(facility, "safe;at_risk"), agency).followups == 2
    again = import_rows(one_row_with_visits(facility, "safe;at_risk"), agency)
    assert (again.ok, again.followups, again.conflicts) == (True, 0, [])
    assert sorted(FollowUpVisit.objects.values_list("outcome", flat=True)) == ["at_risk", "safe"]


def test_a_visit_imported_again_with_another_outcome_is_kept_and_reported_as_a_conflict(peace_house):
    from django.template.loader import render_to_string
    from django.utils import translation

    from exchange import imports
    from exchange.models import ImportJob

    agency, facility = peace_house
    import_rows(one_row_with_visits(facility, "safe;at_risk"), agency)
    with translation.override("en"):
        again = import_rows(one_row_with_visits(facility, "safe;retrafficked"), agency)
    assert again.ok and again.followups == 0
    [conflict] = again.conflicts
    assert (conflict.row, conflict.column) == (2, "cnx_FollowUpOutcome")
    assert "“at risk”" in conflict.message and "“re-trafficked”" in conflict.message, conflict.message
    # Never overwritten silently: the outcome entered first stays, and nothing is said on the timeline.
    assert sorted(FollowUpVisit.objects.values_list("outcome", flat=True)) == ["at_risk", "safe"]
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.FOLLOWUP).count() == 2
    summary = AuditEvent.objects.filter(detail__htcds_import="peace-house-followups.csv").latest("pk")
    assert summary.detail["followup_conflicts"] == 1
    # The web import job keeps the conflict and its page lists it with its row.
    outcome = imports._outcome(again)
    assert outcome["status"] == ImportJob.Status.DONE and outcome["problem_count"] == 1
    job = ImportJob(status=ImportJob.Status.DONE, problems=outcome["problems"], problem_count=1)
    html = render_to_string("exchange/_import_job.html", {"job": job})
    assert 'data-testid="import-conflicts"' in html and "<td>2</td>" in html
    with translation.override("vi"):
        vietnamese = import_rows(one_row_with_visits(facility, "safe;retrafficked"), agency)
    assert "Kết quả nhập trước được giữ nguyên" in vietnamese.conflicts[0].message
