"""HTCDS 2.0 export and import (docs/domain.md §7, QUALITY S3/S4/S7): column values, classes,
round trip, re-import, refused files, the commands and the export's query count."""

import csv
import datetime
import io
import zipfile
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from casework import actions
from casework.models import (
    AuditEvent,
    CameToNotice,
    Case,
    CaseEvent,
    CaseStatus,
    Consent,
    Country,
    EthnicGroup,
    Incident,
    Offender,
    Person,
    PersonStatus,
    PicklistValue,
    Province,
    ReturnMode,
    Role,
    SensitivityClass,
    Sex,
)
from exchange import htcds
from exchange.htcds.files import NOT_A_TABLE
from referrals.actions import do_send_referral
from referrals.models import ReferralPurpose
from tests.fixtures.personas import acting, make_agency, make_user

RECEIVED = datetime.datetime(2025, 3, 10, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))

TEMPLATE_HEADER = [
    "cas_CaseOwner",
    "prs_Salutation",
    "prs_FirstName",
    "prs_SecondName",
    "con_Consent",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_Title",
    "prs_Email",
    "prs_HomePhone",
    "prs_MobilePhone",
    "prs_MailingCity",
    "prs_MailingCountry",
    "prs_MailingState",
    "prs_MailingStreet",
    "prs_MailingPostalCode",
    "vic_TraffickingStatus",
    "vic_TraffickinStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment",
    "vic_LocationOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "vic_LocationOfExploitation",
    "cas_Status",
    "cas_ReferringOrganisation",
    "cas_IncomingReferralDate",
    "cas_ReferringPrimaryCaseWorker",
    "cas_ReasonForIncomingReferral",
    "cas_IncomingReferralDetails",
    "cas_ReferredOrganisation",
    "cas_ReferredPrimaryCaseWorker",
    "cas_ReasonForOutgoingReferral",  # the template's unnamed column
    "cas_OutgoingReferralDate",
    "cas_OutgoingReferralDetails",
    "cas_ReasonForCaseClosure",
]
EXTENSION_HEADER = [
    "cnx_ExternalId",
    "cnx_Reference",
    "cnx_ReceivedAt",
    "cnx_ReceptionProvince",
    "cnx_CameToNotice",
    "cnx_ReturnMode",
    "cnx_PersonStatus",
    "cnx_CaseStatus",
    "cnx_IsChild",
    "cnx_Ethnicity",
    "cnx_BirthYear",
    "cnx_DestinationCountry",
    "cnx_IdentifiedOn",
    "cnx_LegalRegime",
    "cnx_IncidentId",
    "cnx_CriminalCaseNumber",
    "per_RoleInProcess",
]
NAMES = ["Nguyễn Thị Lan", "Vàng Thị Mai", "Trần Văn Hùng", "Lò Văn Páo", "Nguyễn Văn An"]


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in their English source, whatever translations exist."""
    with translation.override("en"):
        yield


def picks(list_name: str, *codes: str) -> list[PicklistValue]:
    return list(PicklistValue.objects.filter(list_name=list_name, code__in=codes))


def register(agency, actor, name: str, *, sex=Sex.FEMALE, picklists=(), **fields) -> Case:
    person_fields = {
        key: fields.pop(key)
        for key in ("birth_date", "birth_year", "ethnicity", "nationality", "home_address", "phone")
        if key in fields
    }
    person = Person(full_name=name, sex=sex, home_province=Province.objects.get(code="LCA"), **person_fields)
    case_fields = {
        "came_to_notice": CameToNotice.BORDER_HANDOVER,
        "received_at": RECEIVED,
        "reception_province": Province.objects.get(code="LCA"),
        **fields,
    }
    exploitation = [value for value in picklists if value.list_name not in ("means_of_control", "recruitment_method")]
    return actions.do_create_case(
        person=person,
        case=Case(**case_fields),
        actor=actor,
        agency=agency,
        exploitation_forms=exploitation,
        means_of_control=[value for value in picklists if value.list_name == "means_of_control"],
        recruitment_methods=[value for value in picklists if value.list_name == "recruitment_method"],
    )


def identify(case: Case, actor, on: datetime.date, *, victim: bool = True) -> Case:
    case = actions.do_transition_case(case, CaseStatus.VERIFYING, reason="xác minh ban đầu", actor=actor)
    case = actions.do_transition_case(case, CaseStatus.IDENTIFYING, reason="xác định nạn nhân", actor=actor)
    return actions.do_record_identification(
        case,
        is_victim=victim,
        identified_on=on,
        authority="Công an tỉnh Lào Cai",
        document="01/QĐ-CA",
        reason="đủ căn cứ",
        actor=actor,
    )


def move(case: Case, actor, *statuses: str) -> Case:
    for status in statuses:
        case = actions.do_transition_case(case, status, reason="theo kế hoạch hỗ trợ", actor=actor)
    return case


@pytest.fixture
def crafted(reference_data):
    """Five fictional cases of the Lào Cai police: an incident with a woman and a girl and
    three offenders, a man to Cambodia, a person found not to be a victim (closed) and a
    small boy accompanying the woman."""
    police = make_agency("h-police", "police", "LCA")
    social = make_agency("h-social", "social_protection", "LCA")
    receiver = make_agency("h-ngo", "ngo", "HN")
    worker = make_user("h.worker", police, Role.CASEWORKER)
    actor = acting(worker, police)
    hmong, kinh = EthnicGroup.objects.get(code="08"), EthnicGroup.objects.get(code="01")
    vietnam, china = Country.objects.get(alpha2="VN"), Country.objects.get(alpha2="CN")
    lan = register(
        police,
        actor,
        NAMES[0],
        birth_date=datetime.date(1999, 4, 12),
        ethnicity=hmong,
        nationality=vietnam,
        home_address="Bản Cát Cát, Sa Pa",
        phone="+84912000111",
        return_mode=ReturnMode.HANDED_OVER,
        destination_country=china,
        picklists=picks("exploitation_type", "ForcedMarriage")
        + picks("sex_exploitation_type", "Prostitution")
        + picks("means_of_control", "DebtBondage")
        + picks("recruitment_method", "ThroughOnlineSocialNetworks"),
    )
    lan = move(identify(lan, actor, datetime.date(2025, 3, 20)), actor, CaseStatus.SUPPORTING)
    mai = register(
        police,
        actor,
        NAMES[1],
        birth_date=datetime.date(2011, 6, 1),
        ethnicity=hmong,
        nationality=vietnam,
        return_mode=ReturnMode.RESCUED,
        came_to_notice=CameToNotice.RESCUE,
        destination_country=china,
        picklists=picks("exploitation_type", "ForcedMarriage"),
    )
    mai = move(identify(mai, actor, datetime.date(2025, 8, 2)), actor, CaseStatus.SUPPORTING, CaseStatus.REINTEGRATING)
    hung = register(
        police,
        actor,
        NAMES[2],
        sex=Sex.MALE,
        birth_year=1990,
        ethnicity=kinh,
        return_mode=ReturnMode.SELF_RETURNED,
        came_to_notice=CameToNotice.HOTLINE,
        destination_country=Country.objects.get(alpha2="KH"),
        picklists=picks("exploitation_type", "ForcedLabour") + picks("labour_exploitation_type", "C_Manufacturing"),
    )
    hung = move(hung, actor, CaseStatus.VERIFYING)
    pao = register(
        police,
        actor,
        NAMES[3],
        sex=Sex.OTHER,
        birth_year=1985,
        return_mode=ReturnMode.SELF_RETURNED,
        came_to_notice=CameToNotice.SELF_REPORT,
        destination_country=Country.objects.get(alpha2="LA"),
    )
    pao = move(identify(pao, actor, datetime.date(2025, 3, 12), victim=False), actor, CaseStatus.CLOSED)
    an = register(
        police,
        actor,
        NAMES[4],
        sex=Sex.MALE,
        birth_year=2022,
        return_mode=ReturnMode.HANDED_OVER,
        destination_country=china,
        accompanies=lan,
    )
    incident = actions.do_link_incident(lan, None, actor=actor, agency=police, criminal_case_number="12/2025/HS")
    actions.do_link_incident(mai, incident, actor=actor, agency=police)
    for role in (
        Offender.RoleInProcess.RECRUITER,
        Offender.RoleInProcess.FACILITATOR,
        Offender.RoleInProcess.EXPLOITER,
    ):
        actions.do_add_offender(lan, Offender(full_name="Đối tượng giả định", role_in_process=role), actor=actor)
    actions.do_record_consent(
        lan,
        Consent(
            given_by=Consent.GivenBy.PERSON, classes=["core", "identity"], purpose="hỗ trợ", given_on=RECEIVED.date()
        ),
        actor=actor,
    )
    do_send_referral(
        lan,
        purpose=ReferralPurpose.objects.get(code="protection_support"),
        to_agency=social,
        from_agency=police,
        actor=actor,
    )
    cases = {case.pk: case for case in Case.objects.filter(owning_agency=police)}
    return SimpleNamespace(
        police=police,
        social=social,
        receiver=receiver,
        worker=worker,
        incident=incident,
        lan=cases[lan.pk],
        mai=cases[mai.pk],
        hung=cases[hung.pk],
        pao=cases[pao.pk],
        an=cases[an.pk],
    )


def export_csv(cases, classes_for=htcds.EXPORT_CLASSES) -> bytes:
    stream = io.BytesIO()
    htcds.export_htcds(cases, stream, fmt="csv", classes_for=classes_for)
    return stream.getvalue()


def export_xlsx(cases, classes_for=htcds.EXPORT_CLASSES) -> bytes:
    stream = io.BytesIO()
    htcds.export_htcds(cases, stream, fmt="xlsx", classes_for=classes_for)
    return stream.getvalue()


# Row 1 of an export: IOM's template's (column A and the column IOM left unnamed blank).
EXPORT_HEADER = ["", *("" if name == "cas_ReasonForOutgoingReferral" else name for name in TEMPLATE_HEADER)]
EXPORT_HEADER += EXTENSION_HEADER


def csv_rows(content: bytes) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The header and the rows by external id, as the bytes say (no unescaping); the label
    row and column A (the row numbers) checked and left out, the columns named by position."""
    assert content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    header, labels = table[0], table[1]
    assert (labels[0], labels[1], labels[35]) == ("", "Case Owner", "Reason for Outgoing Referral")
    rows = {}
    for number, row in enumerate(table[2:], start=1):
        assert row[0] == str(number)
        values = dict(zip(TEMPLATE_HEADER + EXTENSION_HEADER, row[1:], strict=True))
        rows[values["cnx_ExternalId"]] = values
    return header, rows


def import_bytes(content: bytes, agency, name="cases.csv", actor=None) -> htcds.ImportReport:
    upload = io.BytesIO(content)
    upload.name = name
    return htcds.import_htcds(upload, agency=agency, actor=actor or htcds.import_user())


# 1. Column values ---------------------------------------------------------------------------


def test_header_is_the_iom_template_then_the_extension(crafted):
    header, _rows = csv_rows(export_csv(Case.objects.none()))
    assert header == EXPORT_HEADER


def test_export_writes_the_exact_values_of_each_case(crafted):
    _header, rows = csv_rows(export_csv(Case.objects.filter(owning_agency=crafted.police)))
    assert len(rows) == 5
    lan, mai = rows[str(crafted.lan.public_id)], rows[str(crafted.mai.public_id)]
    referral = crafted.lan.referrals.get()
    expected_lan = {
        "cas_CaseOwner": "h-police",
        "prs_Salutation": "",
        "prs_FirstName": "Lan",
        "prs_SecondName": "Nguyễn Thị",
        "con_Consent": "TRUE",
        "prs_Birthdate": "1999-04-12",
        "prs_Gender": "Feminine",
        "prs_Citizenship": "VN",
        "prs_MobilePhone": "'+84912000111",  # kept from Excel's formula reading
        "prs_MailingCountry": "VN",
        "prs_MailingState": Province.objects.get(code="LCA").name,
        "prs_MailingStreet": "Bản Cát Cát, Sa Pa",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "Police",
        "vic_MethodOfRecruitment": "ThroughOnlineSocialNetworks",
        "vic_MethodsOfControl": "DebtBondage",
        "vic_TypeOfExploitation": "ForcedMarriage",
        "vic_ForcedLabourIndustry": "",
        "vic_TypeOfSexExploitation": "Prostitution",
        "cas_Status": "Active",
        "cas_ReferredOrganisation": "h-social",
        "cas_ReasonForOutgoingReferral": "AdditionalServicesRequired",
        "cas_OutgoingReferralDate": timezone.localdate(referral.created_at).isoformat(),
        "cas_OutgoingReferralDetails": referral.purpose.label,
        "cas_ReferringOrganisation": "",
        "cas_ReasonForCaseClosure": "",
        "cnx_Reference": crafted.lan.reference,
        "cnx_ReceivedAt": "2025-03-10T09:30:00+07:00",
        "cnx_ReceptionProvince": "LCA",
        "cnx_CameToNotice": "border_handover",
        "cnx_ReturnMode": "handed_over",
        "cnx_PersonStatus": "victim",
        "cnx_CaseStatus": "supporting",
        "cnx_IsChild": "FALSE",
        "cnx_Ethnicity": "08",
        "cnx_BirthYear": "1999",
        "cnx_DestinationCountry": "CN",
        "cnx_IdentifiedOn": "2025-03-20",
        "cnx_LegalRegime": "law_2011",
        "cnx_IncidentId": str(crafted.incident.public_id),
        "cnx_CriminalCaseNumber": "12/2025/HS",
        "per_RoleInProcess": "RecruiterOrIntermediary;BrokerTravelAgent;Exploiter",
    }
    assert {column: lan[column] for column in expected_lan} == expected_lan
    # No consent recorded: unknown, not refused.
    assert (mai["cnx_IsChild"], mai["cas_Status"], mai["cnx_LegalRegime"], mai["con_Consent"]) == (
        "TRUE",
        "FollowUp",
        "law_2024",
        "",
    )
    assert (mai["cnx_IncidentId"], mai["per_RoleInProcess"]) == (lan["cnx_IncidentId"], lan["per_RoleInProcess"])


def test_export_maps_status_gender_and_lists_of_the_other_cases(crafted):
    _header, rows = csv_rows(export_csv(Case.objects.filter(owning_agency=crafted.police)))
    hung, pao, an = (rows[str(case.public_id)] for case in (crafted.hung, crafted.pao, crafted.an))
    assert {key: hung[key] for key in hung if hung[key]} == {
        "cas_CaseOwner": "h-police",
        "prs_FirstName": "Hùng",
        "prs_SecondName": "Trần Văn",
        "prs_Gender": "Masculine",
        "prs_MailingCountry": "VN",
        "prs_MailingState": Province.objects.get(code="LCA").name,
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "C_Manufacturing",
        "cas_Status": "Active",
        "cnx_ExternalId": str(crafted.hung.public_id),
        "cnx_Reference": crafted.hung.reference,
        "cnx_ReceivedAt": "2025-03-10T09:30:00+07:00",
        "cnx_ReceptionProvince": "LCA",
        "cnx_CameToNotice": "hotline_111",
        "cnx_ReturnMode": "self_returned",
        "cnx_PersonStatus": "in_identification",
        "cnx_CaseStatus": "verifying",
        "cnx_IsChild": "FALSE",
        "cnx_Ethnicity": "01",
        "cnx_BirthYear": "1990",
        "cnx_DestinationCountry": "KH",
    }
    assert (pao["vic_TraffickingStatus"], pao["prs_Gender"], pao["cas_Status"]) == (
        "NotAVictimOfTrafficking",
        "NonConforming",
        "Closed",
    )
    assert (pao["cas_ReasonForCaseClosure"], pao["vic_TraffickinStatusDecisionMakingOrg"]) == (
        "theo kế hoạch hỗ trợ",
        "Police",
    )
    assert (an["vic_TraffickingStatus"], an["cnx_PersonStatus"], an["cnx_IsChild"]) == (
        "NotAVictimOfTrafficking",
        "accompanying_child",
        "TRUE",
    )
    assert an["vic_TraffickinStatusDecisionMakingOrg"] == ""


def test_decision_organisation_follows_the_owning_agency_kind(crafted):
    ngo_worker = acting(make_user("h.ngo", crafted.receiver, Role.CASEWORKER), crafted.receiver)
    case = identify(register(crafted.receiver, ngo_worker, "Hà Thị Hoa", birth_year=2000), ngo_worker, RECEIVED.date())
    _header, rows = csv_rows(export_csv(Case.objects.filter(pk=case.pk)))
    assert rows[str(case.public_id)]["vic_TraffickinStatusDecisionMakingOrg"] == "NGO"


def test_xlsx_keeps_formula_like_text_as_text(crafted):
    Person.objects.filter(pk=crafted.hung.person_id).update(home_address='=HYPERLINK("http://x")')
    sheet = load_workbook(io.BytesIO(export_xlsx(Case.objects.filter(pk=crafted.hung.pk))), read_only=False).active
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=3, column=header.index("prs_MailingStreet") + 1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


# 2. Sensitivity classes ----------------------------------------------------------------------


def identifying_text(crafted) -> list[str]:
    return [*NAMES, "Lan", "Hùng", "+84912000111", "Bản Cát Cát", "1999-04-12", "Feminine"]


def test_a_user_with_only_core_gets_no_identity_or_investigation(crafted):
    admin = acting(make_user("h.admin", crafted.police, Role.AGENCY_ADMIN), crafted.police)
    cases = htcds.annotate_classes(Case.objects.all(), admin)
    content = export_csv(cases, htcds.row_classes)
    text = content.decode("utf-8-sig")
    assert [word for word in identifying_text(crafted) if word in text] == []
    assert str(crafted.incident.public_id) not in text and "12/2025/HS" not in text and "Exploiter" not in text
    _header, rows = csv_rows(content)
    assert len(rows) == 5
    assert {row["cnx_BirthYear"] + row["cnx_Ethnicity"] + row["prs_Gender"] for row in rows.values()} == {""}
    assert rows[str(crafted.lan.public_id)]["cnx_CaseStatus"] == "supporting"


def test_identity_without_investigation_shows_names_but_not_the_incident(crafted):
    shelter = make_agency("h-shelter", "womens_union", "LCA")
    shelter_worker = make_user("h.shelter", shelter, Role.SHELTER_STAFF)
    actions.grant_case(
        crafted.lan,
        group=shelter.role_groups.get(role=Role.SHELTER_STAFF).group,
        classes=["core", "identity", "health", "shelter"],
        source="referral",
        source_ref="R-H-1",
        actor=crafted.worker,
    )
    cases = htcds.annotate_classes(Case.objects.all(), acting(shelter_worker, shelter))
    _header, rows = csv_rows(export_csv(cases, htcds.row_classes))
    assert list(rows) == [str(crafted.lan.public_id)]
    row = rows[str(crafted.lan.public_id)]
    assert (row["prs_FirstName"], row["prs_SecondName"], row["cnx_BirthYear"]) == ("Lan", "Nguyễn Thị", "1999")
    assert (row["cnx_IncidentId"], row["cnx_CriminalCaseNumber"], row["per_RoleInProcess"]) == ("", "", "")


def test_the_owning_caseworker_sees_everything_and_an_outsider_nothing(crafted):
    owner_rows = csv_rows(export_csv(htcds.annotate_classes(Case.objects.all(), crafted.worker), htcds.row_classes))
    assert owner_rows[1][str(crafted.lan.public_id)]["prs_FirstName"] == "Lan"
    assert owner_rows[1][str(crafted.lan.public_id)]["cnx_CriminalCaseNumber"] == "12/2025/HS"
    outsider = acting(make_user("h.outsider", crafted.receiver, Role.CASEWORKER), crafted.receiver)
    content = export_csv(htcds.annotate_classes(Case.objects.all(), outsider), htcds.row_classes)
    assert csv_rows(content)[1] == {}


def test_a_row_without_core_is_not_written_even_if_asked(crafted):
    _header, rows = csv_rows(export_csv(Case.objects.all(), {"identity", "investigation"}))
    assert rows == {}


# 3. Round trip -------------------------------------------------------------------------------


def facts(case: Case) -> dict:
    person = case.person
    return {
        "name": person.full_name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "birth_year": person.birth_year,
        "ethnicity": person.ethnicity_id,
        "nationality": person.nationality_id,
        "home_province": person.home_province_id,
        "address": person.home_address,
        "phone": person.phone,
        "status": case.status,
        "person_status": case.person_status,
        "received_at": case.received_at,
        "reception_province": case.reception_province_id,
        "came_to_notice": case.came_to_notice,
        "return_mode": case.return_mode,
        "destination": case.destination_country_id,
        "is_child": case.is_child,
        "age": case.age_at_reception,
        "identified_on": case.identified_on,
        "legal_regime": case.legal_regime,
        "closure_reason": case.closure_reason,
        "exploitation": sorted(case.exploitation_forms.values_list("code", flat=True)),
        "control": sorted(case.means_of_control.values_list("code", flat=True)),
        "recruitment": sorted(case.recruitment_methods.values_list("code", flat=True)),
        "offenders": sorted(case.incident.offenders.values_list("role_in_process", flat=True))
        if case.incident
        else None,
    }


@pytest.mark.parametrize("export", [export_csv, export_xlsx], ids=["csv", "xlsx"])
def test_round_trip_into_another_agency_keeps_every_fact(crafted, export):
    content = export(Case.objects.filter(owning_agency=crafted.police))
    report = import_bytes(content, crafted.receiver, name="cases.xlsx" if export is export_xlsx else "cases.csv")
    assert report.problems == []
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    for original in Case.objects.filter(owning_agency=crafted.police):
        imported = Case.objects.get(owning_agency=crafted.receiver, external_id=str(original.public_id))
        assert facts(imported) == facts(original), original.person.full_name
        assert imported.person_id != original.person_id
    imported = Case.objects.filter(owning_agency=crafted.receiver)
    incidents = Incident.objects.filter(cases__in=imported).distinct()
    assert [incident.agency for incident in incidents] == [crafted.receiver]
    assert set(incidents[0].cases.values_list("external_id", flat=True)) == {
        str(crafted.lan.public_id),
        str(crafted.mai.public_id),
    }
    assert incidents[0].criminal_case_number == "12/2025/HS"


def test_importing_a_person_already_registered_tells_the_owning_agency(crafted):
    """As the wizard does: the police's cases get a timeline line naming the new case, and
    the import report counts the look-alikes; nothing is said to the importer about them."""
    original = Case.objects.filter(owning_agency=crafted.police)
    expected = sum(1 for case in original if case.person.birth_year and case.person.home_province_id)
    report = import_bytes(export_csv(original), crafted.receiver)
    assert report.ok and report.possible_duplicates == expected > 0
    flagged = CaseEvent.objects.filter(kind=CaseEvent.Kind.POSSIBLE_DUPLICATE)
    assert set(flagged.values_list("case__owning_agency", flat=True)) == {crafted.police.pk}
    assert flagged.count() == expected
    assert all(event.sensitivity == SensitivityClass.IDENTITY for event in flagged)
    # Importing the same file again registers no one and flags nothing more.
    again = import_bytes(export_csv(original), crafted.receiver)
    assert again.possible_duplicates == 0 and flagged.count() == expected


def test_round_trip_keeps_the_official_statistics(crafted):
    """Depends on dashboards.stats (official_statistics(...).figures())."""
    from dashboards.stats import official_statistics

    original = Case.objects.filter(owning_agency=crafted.police)
    report = import_bytes(export_xlsx(original), crafted.receiver, name="cases.xlsx")
    assert report.ok
    imported = Case.objects.filter(owning_agency=crafted.receiver)
    before = official_statistics(original, suppress=False).figures()
    after = official_statistics(imported, suppress=False).figures()
    assert before == after
    assert before["victims"] == 2 and before["offenders"] == 3 and before["incidents"] == 1


def test_created_cases_are_registered_through_the_actions(crafted):
    report = import_bytes(export_csv(Case.objects.filter(pk=crafted.pao.pk)), crafted.receiver)
    assert report.created == 1
    case = Case.objects.get(owning_agency=crafted.receiver)
    kinds = list(case.events.order_by("at", "id").values_list("kind", "new_status"))
    assert kinds[0] == (CaseEvent.Kind.CREATED, CaseStatus.REPORTED)
    assert [status for kind, status in kinds if status][1:] == [
        CaseStatus.VERIFYING,
        CaseStatus.IDENTIFYING,
        CaseStatus.NOT_IDENTIFIED,
        CaseStatus.CLOSED,
    ]
    assert case.grants.filter(group__agency_group__agency=crafted.receiver).exists()
    assert AuditEvent.objects.filter(case=case, action=AuditEvent.Action.CREATE, username="htcds-import").exists()
    summary = AuditEvent.objects.get(detail__htcds_import="cases.csv")
    assert (summary.agency_id, summary.detail["created"]) == (crafted.receiver.pk, 1)


# 4. Re-import ---------------------------------------------------------------------------------


def database_counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "people": Person.objects.count(),
        "incidents": Incident.objects.count(),
        "offenders": Offender.objects.count(),
        "events": CaseEvent.objects.count(),
        "case audit": AuditEvent.objects.filter(case__isnull=False).count(),
    }


def test_importing_the_same_file_twice_changes_nothing(crafted):
    content = export_csv(Case.objects.filter(owning_agency=crafted.police))
    assert import_bytes(content, crafted.receiver).created == 5
    before = database_counts()
    report = import_bytes(content, crafted.receiver)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert database_counts() == before


def test_an_agencys_own_export_coming_back_matches_its_cases(crafted):
    before = database_counts()
    report = import_bytes(export_xlsx(Case.objects.filter(owning_agency=crafted.police)), crafted.police, "own.xlsx")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert database_counts() == before


def edit_cell(content: bytes, external_id: str, column: str, value: str) -> bytes:
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    names = ["", *TEMPLATE_HEADER, *EXTENSION_HEADER]  # by position: the export's header has blanks
    for row in table[2:]:
        if row[names.index("cnx_ExternalId")] == external_id:
            row[names.index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out).writerows(table)
    return out.getvalue().encode("utf-8-sig")


def test_a_changed_row_updates_its_case_with_one_event_and_audit_row(crafted):
    content = export_csv(Case.objects.filter(owning_agency=crafted.police))
    import_bytes(content, crafted.receiver)
    key = str(crafted.hung.public_id)
    changed = edit_cell(edit_cell(content, key, "prs_MobilePhone", "0912345678"), key, "cnx_ReturnMode", "rescued")
    before = database_counts()
    report = import_bytes(changed, crafted.receiver)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    case = Case.objects.get(owning_agency=crafted.receiver, external_id=key)
    assert (case.person.phone, case.return_mode) == ("0912345678", ReturnMode.RESCUED)
    event = case.events.get(kind=CaseEvent.Kind.UPDATED)
    assert "person.phone" in event.reason and "return_mode" in event.reason
    row = AuditEvent.objects.get(case=case, action=AuditEvent.Action.UPDATE)
    assert set(row.detail["fields"]) == {"person.phone", "return_mode"} and set(row.classes) == {"core", "identity"}
    assert database_counts() == before | {"events": before["events"] + 1, "case audit": before["case audit"] + 1}


def test_a_status_further_along_moves_the_case_through_the_actions(crafted):
    content = export_csv(Case.objects.filter(owning_agency=crafted.police))
    import_bytes(content, crafted.receiver)
    key = str(crafted.hung.public_id)
    later = edit_cell(edit_cell(content, key, "cnx_CaseStatus", "closed"), key, "cas_ReasonForCaseClosure", "chuyển đi")
    report = import_bytes(later, crafted.receiver)
    assert (report.updated, report.unchanged) == (1, 4)
    case = Case.objects.get(owning_agency=crafted.receiver, external_id=key)
    assert (case.status, case.closure_reason) == (CaseStatus.CLOSED, "chuyển đi")
    assert case.events.filter(kind=CaseEvent.Kind.TRANSITION, new_status=CaseStatus.CLOSED).count() == 1


def test_offenders_added_to_the_incident_are_added_once(crafted):
    content = export_csv(Case.objects.filter(owning_agency=crafted.police))
    import_bytes(content, crafted.receiver)
    roles = "RecruiterOrIntermediary;BrokerTravelAgent;Exploiter;Smuggler"
    more = edit_cell(
        edit_cell(content, str(crafted.lan.public_id), "per_RoleInProcess", roles),
        str(crafted.mai.public_id),
        "per_RoleInProcess",
        roles,
    )
    import_bytes(more, crafted.receiver)
    import_bytes(more, crafted.receiver)
    incident = Incident.objects.get(agency=crafted.receiver)
    assert sorted(incident.offenders.values_list("role_in_process", flat=True)) == [
        "Exploiter",
        "Facilitator",
        "Recruiter",
        "Transporter",
    ]


# 5. Refused files ------------------------------------------------------------------------------

VALID = {
    "cnx_ExternalId": "SRC-1",
    "prs_FirstName": "Hoa",
    "prs_SecondName": "Hà Thị",
    "prs_Gender": "Feminine",
    "prs_Birthdate": "2001-02-03",
    "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
    "vic_TypeOfExploitation": "ForcedLabour",
    "cas_OutgoingReferralDate": "",
    "cnx_ReceivedAt": "2025-05-06T08:00:00+07:00",
    "cnx_ReceptionProvince": "LCA",
    "cnx_Ethnicity": "08",
    "cnx_IsChild": "FALSE",
}


def csv_file(*rows: dict, header=None) -> bytes:
    header = header or list(VALID)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([{**VALID, **row}.get(column, "") for column in header])
    return out.getvalue().encode("utf-8")


def assert_nothing_imported(crafted, report, before):
    assert not report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert database_counts() == before
    assert not Case.objects.filter(owning_agency=crafted.receiver).exists()


def test_a_valid_minimal_file_imports(crafted):
    report = import_bytes(csv_file({}), crafted.receiver)
    assert report.ok and report.created == 1
    case = Case.objects.get(owning_agency=crafted.receiver)
    assert (case.person.full_name, case.came_to_notice, case.person.ethnicity.code) == ("Hà Thị Hoa", "other", "08")


def test_a_workbook_made_from_the_iom_template_imports(crafted):
    """IOM's template has an empty first column, an unnamed one and a row of labels."""
    from openpyxl import Workbook

    header = [None, *(None if name == "cas_ReasonForOutgoingReferral" else name for name in TEMPLATE_HEADER)]
    header += ["vic_TraffickingStatusDecisionMakingOrg", "cnx_ExternalId", "cnx_ReceivedAt", "cnx_ReceptionProvince"]
    header.remove("vic_TraffickinStatusDecisionMakingOrg")
    labels = {"prs_Gender": "Gender", "vic_TraffickingStatus": "Trafficking Status", "prs_FirstName": "First Name"}
    values = {
        "prs_FirstName": "Hoa",
        "prs_SecondName": "Hà Thị",
        "prs_Gender": "TransgenderFeminine",
        "prs_Birthdate": datetime.datetime(2001, 2, 3),
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickingStatusDecisionMakingOrg": "CourtOrProsecution",
        "cas_Status": "FollowUp",
        "cnx_ExternalId": 4711,
        "cnx_ReceivedAt": datetime.datetime(2025, 5, 6, 8, 0),
        "cnx_ReceptionProvince": "LCA",
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    sheet.append([labels.get(name) for name in header])
    sheet.append([values.get(name) for name in header])
    stream = io.BytesIO()
    workbook.save(stream)
    report = import_bytes(stream.getvalue(), crafted.receiver, name="iom.xlsx")
    assert report.problems == [] and report.created == 1
    case = Case.objects.get(owning_agency=crafted.receiver, external_id="4711")
    assert (case.person.sex, case.person.birth_year, case.person_status) == (Sex.OTHER, 2001, PersonStatus.VICTIM)
    assert (case.status, case.identified_on, case.identification_authority) == (
        CaseStatus.REINTEGRATING,
        None,
        "CourtOrProsecution",
    )
    assert case.received_at == timezone.make_aware(datetime.datetime(2025, 5, 6, 8, 0))


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        bytes(range(256)) * 4,
        b"%PDF-1.7 binary \x00\x01",
    ],
    ids=["png", "random", "pdf"],
)
def test_a_file_that_is_no_spreadsheet_is_refused(crafted, content):
    before = database_counts()
    report = import_bytes(content, crafted.receiver, name="cases.csv")
    assert [(problem.row, str(problem)) for problem in report.problems] == [(None, str(NOT_A_TABLE))]
    assert_nothing_imported(crafted, report, before)


def test_a_zip_that_is_no_workbook_is_refused(crafted):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
    before = database_counts()
    report = import_bytes(buffer.getvalue(), crafted.receiver, name="cases.xlsx")
    assert [problem.message for problem in report.problems] == [str(NOT_A_TABLE)]
    assert_nothing_imported(crafted, report, before)


def test_unknown_and_missing_columns_are_listed(crafted):
    header = [column for column in VALID if column != "vic_TraffickingStatus"] + ["prs_ShoeSize"]
    before = database_counts()
    report = import_bytes(csv_file({}, header=header), crafted.receiver)
    assert {(problem.row, problem.column, problem.message) for problem in report.problems} == {
        (1, "prs_ShoeSize", "Unknown column."),
        (1, "vic_TraffickingStatus", "This column is required and missing."),
    }
    assert_nothing_imported(crafted, report, before)


def test_every_problem_of_every_row_is_reported_and_nothing_imported(crafted):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    rows = [
        {},  # row 2 is valid, and still not imported
        {"cnx_ExternalId": "SRC-2", "vic_TypeOfExploitation": "ForcedLabour;Slavery"},
        {"cnx_ExternalId": "SRC-3", "cnx_ReceivedAt": tomorrow + "T08:00:00+07:00", "prs_Birthdate": ""},
        {"cnx_ExternalId": "SRC-4", "prs_Birthdate": "1890-01-01"},
        {"cnx_ExternalId": "SRC-5", "prs_Birthdate": "2025-06-01"},
        {"cnx_ExternalId": "SRC-6", "prs_Birthdate": "2012-01-01"},
        {"cnx_ExternalId": "SRC-1"},
        {"cnx_ExternalId": "SRC-8", "cnx_ReceptionProvince": "XX", "cnx_Ethnicity": "99", "prs_Gender": "Female"},
        {"cnx_ExternalId": "SRC-9", "prs_Birthdate": "3.2.2001", "cas_OutgoingReferralDate": tomorrow},
        {"cnx_ExternalId": "", "prs_FirstName": "", "prs_SecondName": ""},
    ]
    header = list(VALID)
    before = database_counts()
    report = import_bytes(csv_file(*rows, header=header), crafted.receiver)
    found = {(problem.row, problem.column) for problem in report.problems}
    assert found == {
        (3, "vic_TypeOfExploitation"),
        (4, "cnx_ReceivedAt"),
        (5, "prs_Birthdate"),
        (6, "prs_Birthdate"),
        (7, "cnx_IsChild"),
        (8, "cnx_ExternalId"),
        (9, "cnx_ReceptionProvince"),
        (9, "cnx_Ethnicity"),
        (9, "prs_Gender"),
        (10, "prs_Birthdate"),
        (10, "cas_OutgoingReferralDate"),
        (11, "prs_FirstName"),  # a row without id gets a derived key (decision 80)
    }
    messages = {(problem.row, problem.column): problem.message for problem in report.problems}
    assert (
        "Slavery" in messages[3, "vic_TypeOfExploitation"] and "ForcedLabour" in messages[3, "vic_TypeOfExploitation"]
    )
    assert messages[4, "cnx_ReceivedAt"] == "The date is in the future."
    assert messages[5, "prs_Birthdate"] == "The person would have been over 120 at reception."
    assert messages[6, "prs_Birthdate"] == "The person was born after being received."
    assert messages[7, "cnx_IsChild"] == "Marked as an adult, but 13 at reception."
    assert messages[8, "cnx_ExternalId"] == "The same id is on row 2."
    assert str(report.problems[0]).startswith("row 3, column vic_TypeOfExploitation: ")
    assert_nothing_imported(crafted, report, before)


def test_a_future_birth_date_and_a_child_marked_adult_are_refused(crafted):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    report = import_bytes(
        csv_file({"prs_Birthdate": tomorrow}, {"cnx_ExternalId": "SRC-2", "cnx_IsChild": "TRUE"}), crafted.receiver
    )
    assert {(problem.row, problem.column, problem.message) for problem in report.problems} == {
        (2, "prs_Birthdate", "The date is in the future."),
        (3, "cnx_IsChild", "Marked as a child, but 24 at reception."),
    }


def test_a_status_the_case_cannot_reach_is_refused(crafted):
    content = export_csv(Case.objects.filter(owning_agency=crafted.police))
    import_bytes(content, crafted.receiver)
    before = database_counts()
    reopened = edit_cell(content, str(crafted.pao.public_id), "cnx_CaseStatus", "not_identified")
    reopened = edit_cell(reopened, str(crafted.pao.public_id), "cas_Status", "Active")
    report = import_bytes(reopened, crafted.receiver)
    # Row 1 the header, row 2 the labels: the fourth case is on row 6.
    assert [(problem.column, problem.row) for problem in report.problems] == [("cnx_CaseStatus", 6)]
    assert database_counts() == before


# 6. Commands ------------------------------------------------------------------------------------


def test_export_command_writes_the_file_and_an_audit_row(crafted, tmp_path):
    target = tmp_path / "htcds.xlsx"
    out = io.StringIO()
    call_command("export_htcds", str(target), "--agency", "h-police", stdout=out)
    sheet = load_workbook(target, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [value or "" for value in rows[0]] == EXPORT_HEADER and len(rows) == 7
    row = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (row.actor_id, row.agency_id, row.detail["rows"], row.detail["htcds_export"]) == (
        None,
        crafted.police.pk,
        5,
        "htcds.xlsx",
    )
    assert set(row.classes) == {"core", "identity", "investigation", "shelter"}


def test_export_command_takes_the_format_from_the_option(crafted, tmp_path):
    target = tmp_path / "htcds.txt"
    call_command("export_htcds", str(target), "--format", "csv", stdout=io.StringIO())
    assert target.read_bytes().startswith(b"\xef\xbb\xbf,cas_CaseOwner,")
    with pytest.raises(CommandError):
        call_command("export_htcds", str(tmp_path / "htcds.txt"), stdout=io.StringIO())


def test_import_command_creates_then_finds_the_cases_unchanged(crafted, tmp_path):
    target = tmp_path / "htcds.csv"
    call_command("export_htcds", str(target), "--agency", "h-police", stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_htcds", str(target), "--agency", "h-ngo", stdout=out)
    first, second = out.getvalue().strip().splitlines()
    assert first == "created 5, updated 0, unchanged 0"
    # The same people are the police's cases: their timelines are told.
    assert second.startswith("5 new case(s) look like a person already registered")
    out = io.StringIO()
    call_command("import_htcds", str(target), "--agency", "h-ngo", "--actor", "h.worker", stdout=out)
    assert out.getvalue().strip() == "created 0, updated 0, unchanged 5"
    creator = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="case", agency=crafted.receiver)
    assert creator.count() == 5 and set(creator.values_list("username", flat=True)) == {"htcds-import"}


def test_import_command_prints_the_problems_and_fails(crafted, tmp_path):
    target = tmp_path / "bad.csv"
    target.write_bytes(csv_file({"cnx_ReceptionProvince": "XX"}))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_htcds", str(target), "--agency", "h-ngo", stderr=err)
    assert err.getvalue().strip().startswith("row 2, column cnx_ReceptionProvince: Unknown province “XX”. Use the")
    assert not Case.objects.filter(owning_agency=crafted.receiver).exists()
    with pytest.raises(CommandError):
        call_command("import_htcds", str(target), "--agency", "no-such-agency")


# 7. Query count ----------------------------------------------------------------------------------


def add_cases(crafted, count: int) -> None:
    actor = acting(crafted.worker, crafted.police)
    forms = picks("exploitation_type", "ForcedLabour") + picks("means_of_control", "DebtBondage")
    for index in range(count):
        case = register(crafted.police, actor, f"Người Thử {index}", birth_year=2000, picklists=forms)
        actions.do_link_incident(case, None, actor=actor, agency=crafted.police)
        actions.do_add_offender(case, Offender(role_in_process=Offender.RoleInProcess.RECRUITER), actor=actor)


def export_queries(cases, classes_for) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = list(htcds.iter_htcds_rows(cases, classes_for))
    return len(queries.captured_queries), len(rows)


def test_export_query_count_is_the_same_for_2_and_20_cases(crafted):
    """The two cases of the incident carry every many-valued fact (offenders, picklists, a
    consent, a referral); the 18 added ones each have their own incident and offender."""
    first_two = [crafted.lan.pk, crafted.mai.pk]
    few, rows = export_queries(Case.objects.filter(pk__in=first_two), htcds.EXPORT_CLASSES)
    assert rows == 2
    add_cases(crafted, 18)
    twenty = Case.objects.filter(owning_agency=crafted.police).exclude(
        pk__in=[crafted.hung.pk, crafted.pao.pk, crafted.an.pk]
    )
    many, rows = export_queries(twenty, htcds.EXPORT_CLASSES)
    assert rows == 20
    assert few == many <= 8
    per_user, rows = export_queries(htcds.annotate_classes(twenty, crafted.worker), htcds.row_classes)
    assert rows == 20 and per_user == many


def test_picklist_codes_of_several_lists_are_split_by_list(crafted):
    assert PicklistValue.objects.filter(code="Prostitution").get().list_name == "sex_exploitation_type"
    row = htcds.case_values(htcds.export_queryset(Case.objects.filter(pk=crafted.lan.pk)).get())
    assert (row["vic_TypeOfExploitation"], row["vic_TypeOfSexExploitation"]) == ("ForcedMarriage", "Prostitution")


def test_names_split_family_first(crafted):
    assert htcds.split_name("Nguyễn Thị Lan") == ("Lan", "Nguyễn Thị")
    assert htcds.split_name("Páo") == ("Páo", "")
    assert htcds.join_name("Lan", "Nguyễn Thị") == "Nguyễn Thị Lan"
    assert PersonStatus.ACCOMPANYING_CHILD in htcds.TRAFFICKING_STATUS


def test_the_rows_before_a_refused_row_keep_their_changes(crafted, monkeypatch):
    """A row refused while it is written (a rule the checks did not foresee) stops the import
    there; the rows before it in its chunk are written again one at a time, from the cases as
    stored, not as the undone attempt left them in memory."""
    content = export_csv(Case.objects.filter(owning_agency=crafted.police))
    import_bytes(content, crafted.receiver)
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    first = table[2][["", *TEMPLATE_HEADER, *EXTENSION_HEADER].index("cnx_ExternalId")]
    refused = str(crafted.pao.public_id)
    assert first != refused
    update = htcds.importer.Importer.update

    def refusing(self, case, row):
        if row.external_id == refused:
            raise actions.CaseworkError("Một quy tắc chưa được kiểm tra trước.")
        return update(self, case, row)

    monkeypatch.setattr(htcds.importer.Importer, "update", refusing)
    report = import_bytes(edit_cell(content, first, "prs_MobilePhone", "0912345678"), crafted.receiver)
    assert [problem.row for problem in report.problems] == [6]
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    case = Case.objects.select_related("person").get(owning_agency=crafted.receiver, external_id=first)
    assert case.person.phone == "0912345678"
    assert case.events.filter(kind=CaseEvent.Kind.UPDATED).count() == 1
