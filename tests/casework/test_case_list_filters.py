"""The case list's filters: the ones the statistics figures link with, the identity rule on the
person's facts, malformed values, the query budget (QUALITY P1) and the export button."""

import datetime
import re
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import translation

from casework import actions
from casework.case_filters import filter_cases, filter_form
from casework.models import (
    AuditEvent,
    Case,
    CaseGrant,
    Country,
    EthnicGroup,
    Incident,
    Person,
    PersonStatus,
    PicklistValue,
    ReturnMode,
    Role,
    SensitivityClass,
    Sex,
)
from tests.fixtures.personas import acting, make_case, make_user, sign_in
from tests.fixtures.queries import page_queries

HANOI_TIME = ZoneInfo("Asia/Ho_Chi_Minh")


def shape(case: Case, *, sex=Sex.FEMALE, ethnicity=None, **case_fields) -> Case:
    """Set the facts a filter reads directly; the workflows that set them have their own tests."""
    Person.objects.filter(pk=case.person_id).update(
        sex=sex, ethnicity=EthnicGroup.objects.get(code=ethnicity) if ethnicity else None
    )
    Case.objects.filter(pk=case.pk).update(**case_fields)
    case.refresh_from_db()
    return case


def exploitation(code: str) -> PicklistValue:
    return PicklistValue.objects.get(list_name=PicklistValue.List.EXPLOITATION_TYPE, code=code)


@pytest.fixture
def cases(world):
    """Three cases of the Lào Cai police told apart by every filter."""
    owner = acting(world.owner)
    incident = Incident.objects.create(agency=world.police, criminal_case_number="VA-09/2026")
    kinh = shape(
        make_case(world.police, owner, name="Trần Thị Hạnh", birth_year=2001),
        ethnicity="01",
        person_status=PersonStatus.VICTIM,
        destination_country=Country.objects.get(alpha2="CN"),
        return_mode=ReturnMode.SELF_RETURNED,
        received_at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=HANOI_TIME),
        incident=incident,
        age_at_reception=25,
    )
    kinh.exploitation_forms.set([exploitation("ForcedMarriage")])
    mong = shape(
        make_case(world.police, owner, name="Giàng A Páo", birth_year=2013),
        sex=Sex.MALE,
        ethnicity="08",
        person_status=PersonStatus.IN_IDENTIFICATION,
        destination_country=Country.objects.get(alpha2="KH"),
        return_mode=ReturnMode.RESCUED,
        # 17:30 UTC on 31 March is already 1 April in Vietnam.
        received_at=datetime.datetime(2026, 3, 31, 17, 30, tzinfo=datetime.UTC),
        age_at_reception=13,
        is_child=True,
    )
    mong.exploitation_forms.set([exploitation("ForcedLabour"), exploitation("SexualExploitation")])
    # world.case: female, no ethnicity, no destination or return mode, received two days ago.
    unrecorded = shape(world.case, age_at_reception=27)
    return SimpleNamespace(kinh=kinh, mong=mong, unrecorded=unrecorded)


def listed(client, **params) -> set[str]:
    response = client.get("/", params)
    assert response.status_code == 200
    return {case.reference for case in response.context["cases"]}


def refs(*cases) -> set[str]:
    return {case.reference for case in cases}


FILTERS = [
    ({"sex": "male"}, ["mong"]),
    ({"sex": "female"}, ["kinh", "unrecorded"]),
    ({"ethnicity": "08"}, ["mong"]),
    ({"minority": "1"}, ["mong"]),
    ({"minority": "0"}, ["kinh"]),
    ({"age_band": "11_14"}, ["mong"]),
    ({"age_band": "adult"}, ["kinh", "unrecorded"]),
    ({"person_status": "victim"}, ["kinh"]),
    ({"destination": "CN"}, ["kinh"]),
    ({"destination": "kh"}, ["mong"]),
    ({"destination": "none"}, ["unrecorded"]),
    ({"exploitation": "ForcedLabour"}, ["mong"]),
    ({"exploitation": "ForcedMarriage"}, ["kinh"]),
    ({"return_mode": "rescued"}, ["mong"]),
    ({"return_mode": "none"}, ["unrecorded"]),
    ({"received_from": "2026-03-01", "received_to": "2026-03-31"}, ["kinh"]),
    ({"received_from": "2026-04-01", "received_to": "2026-04-01"}, ["mong"]),
    ({"incident": "1"}, ["kinh"]),
    ({"incident": "0"}, ["mong", "unrecorded"]),
    ({"sex": "female", "destination": "CN", "incident": "1"}, ["kinh"]),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_each_filter_narrows_the_list_to_the_matching_cases(world, cases, params, expected):
    client = sign_in(world.owner)
    assert listed(client) == refs(cases.kinh, cases.mong, cases.unrecorded)
    assert listed(client, **params) == refs(*(getattr(cases, name) for name in expected))


def test_a_case_with_several_forms_of_exploitation_is_listed_once(world, cases):
    response = sign_in(world.owner).get("/", {"exploitation": "SexualExploitation"})
    assert [case.reference for case in response.context["cases"]] == [cases.mong.reference]


@pytest.fixture
def core_only(world, cases):
    """A Women's Union worker given `core` (not identity) on the boy's case."""
    actions.grant_case(
        cases.mong,
        group=world.union.role_groups.get(role=Role.SHELTER_STAFF).group,
        classes=[SensitivityClass.CORE],
        source=CaseGrant.Source.REFERRAL,
        source_ref="R-TEST-CORE",
        actor=world.owner,
    )
    return sign_in(world.outsider)


@pytest.mark.parametrize("params", [{"sex": "male"}, {"ethnicity": "08"}, {"minority": "1"}, {"age_band": "11_14"}])
def test_identity_filters_never_match_a_case_seen_with_core_only(world, cases, core_only, params):
    assert listed(core_only) == refs(cases.mong)
    assert listed(core_only, **params) == set()
    # Nor the opposite value: the filter reveals nothing either way.
    assert listed(core_only, sex="female") == set()
    # The owner, holding identity, finds the case with the same filter.
    assert cases.mong.reference in listed(sign_in(world.owner), **params)


@pytest.mark.parametrize(
    "params", [{"destination": "KH"}, {"return_mode": "rescued"}, {"exploitation": "ForcedLabour"}]
)
def test_core_filters_work_for_a_holder_of_core(world, cases, core_only, params):
    assert listed(core_only, **params) == refs(cases.mong)


MALFORMED = [
    {"sex": "yes"},
    {"ethnicity": "ZZ"},
    {"ethnicity": "0" * 500},
    {"minority": "2"},
    {"age_band": "old"},
    {"person_status": "ghost"},
    {"destination": "XX"},
    {"destination": "China"},
    {"exploitation": "Nope"},
    {"exploitation": "x" * 300},
    {"return_mode": "flew"},
    {"received_from": "2026-13-45"},
    {"received_to": "yesterday"},
    {"incident": "yes"},
]


SUMMARY = r'<div class="alert alert-warning" role="alert" data-testid="ignored-filters">(.*?)</div>'


@pytest.mark.parametrize("params", MALFORMED)
def test_a_malformed_filter_is_left_out_with_a_400_not_a_500(world, cases, params):
    client = sign_in(world.owner)
    response = client.get("/", params)
    assert response.status_code == 400
    assert {case.reference for case in response.context["cases"]} == listed(client)
    assert len(response.context["ignored_filters"]) == 1


def test_a_search_past_its_length_is_not_shown_as_its_matches(world, cases):
    """An address with a name longer than the box takes (100) listed every case under the box
    holding that name, with 200 and no word (decision 334)."""
    client = sign_in(world.owner)
    with translation.override("vi"):
        response = client.get("/", {"q": "nguyen thi " + "x" * 150})
        row = AuditEvent.objects.filter(actor=world.owner).latest("pk")
        htmx = client.get("/", {"q": "x" * 101}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    summary = re.search(SUMMARY, response.content.decode(), re.S)
    assert summary is not None
    assert "Các điều kiện lọc sau không dùng được và đã được bỏ qua:" in summary.group(1)
    assert "Tìm theo họ tên hoặc số hồ sơ: " in summary.group(1)
    # Left out, not matched: every case is listed, and the audit row is a plain list's.
    assert {case.reference for case in response.context["cases"]} == listed(client)
    assert row.action == AuditEvent.Action.LIST
    assert "q" not in row.detail["filters"]
    # The results an htmx filter change swaps in say it too (htmx swaps a 400).
    assert htmx.status_code == 400
    assert re.search(SUMMARY, htmx.content.decode(), re.S) is not None
    # A valid list says nothing.
    assert re.search(SUMMARY, client.get("/").content.decode(), re.S) is None


@pytest.mark.parametrize(
    ("params", "field"), [({"received_from": "32/13/2026"}, "received_from"), ({"status": "x"}, "status")]
)
def test_a_malformed_filter_says_it_was_left_out(world, cases, params, field):
    """Never silently: the bar shows under the field what was wrong and that the list is not
    filtered by it, and opens "More filters" where the field is."""
    with translation.override("vi"):
        page = sign_in(world.owner).get(reverse("casework:case-list"), params).content.decode()
    said = re.search(rf'<div class="invalid-feedback d-block" id="id_{field}_error">([^<]*)</div>', page)
    assert said is not None
    assert "Bộ lọc này đã được bỏ qua." in said.group(1)
    assert re.search(r'<details class="col-12" open>', page)
    assert sign_in(world.owner).get(reverse("casework:case-list")).content.decode().count("invalid-feedback") == 0


def test_filter_cases_starts_from_what_the_user_may_see(world, cases):
    outsider = acting(world.outsider)
    form = filter_form({"sex": "female"})
    assert not filter_cases(outsider, form.valid_data()).exists()
    assert set(filter_cases(acting(world.owner), form.valid_data()).values_list("reference", flat=True)) == refs(
        cases.kinh, cases.unrecorded
    )


ALL_FILTERS = {
    "status": "reported",
    "sex": "female",
    "minority": "0",
    "age_band": "adult",
    "person_status": "victim",
    "return_mode": "self_returned",
    "received_from": "2026-01-01",
    "received_to": "2026-12-31",
    "incident": "1",
}
REFERENCE_FILTERS = {"ethnicity": "01", "destination": "CN", "exploitation": "ForcedMarriage"}


def test_filters_do_not_add_queries_and_the_count_does_not_grow_with_rows(world, cases):
    client = sign_in(world.owner)
    # A filter bar a process has not shown yet is rendered and reads its options (decisions 270,
    # 322); whether an earlier test of the worker showed it is the scheduler's choice, so each
    # shape is shown once before it is counted.
    client.get("/")
    client.get("/", ALL_FILTERS)
    plain, _response = page_queries(client, "/")
    filtered, response = page_queries(client, "/", **ALL_FILTERS)
    assert {case.reference for case in response.context["cases"]} == refs(cases.kinh)
    assert filtered == plain
    # Each reference-data filter is checked against its table once (an unknown code is dropped).
    with_codes, _response = page_queries(client, "/", **ALL_FILTERS, **REFERENCE_FILTERS)
    assert with_codes <= 12
    owner = acting(world.owner)
    for index in range(40):
        shape(
            make_case(world.police, owner, name=f"Người Thử {index}"),
            ethnicity="01",
            person_status=PersonStatus.VICTIM,
            destination_country=Country.objects.get(alpha2="CN"),
            return_mode=ReturnMode.SELF_RETURNED,
            received_at=cases.kinh.received_at,
            incident=cases.kinh.incident,
            age_at_reception=30,
        ).exploitation_forms.set([exploitation("ForcedMarriage")])
    many, response = page_queries(client, "/", **ALL_FILTERS, **REFERENCE_FILTERS)
    assert len(response.context["cases"]) == 25
    assert many == with_codes


def test_active_filters_are_shown_and_reference_filters_kept_in_the_form(world, cases):
    response = sign_in(world.owner).get("/", {"ethnicity": "08", "sex": "male", "status": "reported"})
    content = response.content.decode()
    assert 'data-filter="ethnicity"' in content and 'data-filter="sex"' in content
    assert '<input type="hidden" name="ethnicity" value="08">' in content
    # Removing a badge keeps the other filters.
    badge = next(badge for badge in response.context["filter_badges"] if badge["name"] == "ethnicity")
    assert "ethnicity" not in badge["remove"] and "sex=male" in badge["remove"] and "status=reported" in badge["remove"]


def test_the_export_button_is_on_the_list_for_supervisors_only(world, cases):
    supervisor = sign_in(world.supervisor).get("/", {"sex": "female"}).content.decode()
    assert 'data-testid="export-cases"' in supervisor
    assert '<input type="hidden" name="sex" value="female">' in supervisor
    assert 'data-testid="exports-link"' in supervisor and 'data-testid="dashboard-link"' in supervisor
    caseworker = sign_in(world.owner).get("/").content.decode()
    assert 'data-testid="export-cases"' not in caseworker and 'data-testid="exports-link"' not in caseworker


def test_a_supervisor_of_the_owning_agency_reads_the_same_filtered_list(world, cases):
    assert listed(sign_in(world.supervisor), minority="1") == refs(cases.mong)


def test_a_database_outage_during_filtering_gives_a_plain_503_page(world):
    client = sign_in(world.owner)
    client.raise_request_exception = False
    with mock.patch("casework.case_filters.visible_cases", side_effect=OperationalError("connection refused")):
        response = client.get("/", {"sex": "female"})
    assert response.status_code == 503


def test_a_new_user_without_cases_gets_an_empty_filtered_list(world, cases):
    newcomer = make_user("newcomer", world.union, Role.CASEWORKER)
    assert listed(sign_in(newcomer), sex="female", destination="none") == set()
