"""HTCDS as JSON: the export's rows for the cases the agency may see (classes not held blank),
the importer's checks and writes (no row written when a row has a problem, problems by row
index, the counts of an import stopped while writing), the row limit."""

import pytest

from casework.models import AuditEvent, Case
from exchange.htcds import COLUMNS, importer
from referrals import routing
from tests.api.conftest import make_client
from tests.fixtures.chain import new_person_case
from tests.fixtures.imports import rows_refused_at

pytestmark = pytest.mark.django_db

VALID = {
    "cnx_ExternalId": "SRC-1",
    "prs_FirstName": "Hoa",
    "prs_SecondName": "Hà Thị",
    "prs_Gender": "Feminine",
    "prs_Birthdate": "2001-02-03",
    "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
    "vic_TypeOfExploitation": "ForcedLabour",
    "cnx_ReceivedAt": "2025-05-06T08:00:00+07:00",
    "cnx_ReceptionProvince": "LCA",
    "cnx_Ethnicity": "08",
    "cnx_IsChild": False,
}


def test_the_export_is_the_file_exports_rows_for_what_the_agency_sees(api):
    case = new_person_case(api.police, api.police_worker, reception_commune=api.commune)
    routing.route_case(case.pk)
    page = api.police_api.get("/api/v1/htcds/export")
    assert page.status_code == 200
    body = page.json()
    assert body["columns"] == list(COLUMNS) and len(body["rows"]) == 1 and body["next"] is None
    assert body["rows"][0]["prs_FirstName"] == "Hoa" and body["rows"][0]["cnx_ExternalId"] == str(case.public_id)
    # The commune holds the case under its referral without the person's identity: blank names.
    commune = api.commune_api.get("/api/v1/htcds/export").json()["rows"]
    assert len(commune) == 1 and commune[0]["prs_FirstName"] == ""
    assert api.syt_hn_api.get("/api/v1/htcds/export").json()["rows"] == []
    row = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=api.police_client.user)
    assert row.detail == {"kind": "htcds", "format": "json", "rows": 1, "after": ""}


def test_the_export_pages_with_a_cursor(api):
    for year in (1990, 1991, 1992):
        new_person_case(api.police, api.police_worker, birth_year=year)
    first = api.police_api.get("/api/v1/htcds/export", {"limit": 2}).json()
    second = api.police_api.get("/api/v1/htcds/export", {"limit": 2, "after": first["next"]}).json()
    years = [row["prs_Birthdate"] or row["cnx_BirthYear"] for row in first["rows"] + second["rows"]]
    assert len(years) == 3 and second["next"] is None


def test_an_import_writes_every_row_through_the_importer(api):
    response = api.syt_api.post("/api/v1/htcds/import", {"rows": [VALID, {**VALID, "cnx_ExternalId": "SRC-2"}]})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assert Case.objects.filter(owning_agency=api.syt, external_id__in=["SRC-1", "SRC-2"]).count() == 2
    # The same rows again change nothing: the external ids find the cases.
    again = api.syt_api.post("/api/v1/htcds/import", {"rows": [VALID]}).json()
    assert (again["created"], again["unchanged"]) == (0, 1)
    uploads = AuditEvent.objects.filter(actor=api.syt_client.user, detail__has_key="htcds_upload")
    assert uploads.count() == 2


def test_a_bad_row_refuses_the_whole_payload_naming_row_and_column(api):
    rows = [VALID, {**VALID, "cnx_ExternalId": "SRC-9", "prs_Gender": "Female", "cnx_ReceptionProvince": "XX"}]
    response = api.syt_api.post("/api/v1/htcds/import", {"rows": rows})
    assert response.status_code == 422
    problems = {(problem["row"], problem["column"]) for problem in response.json()["problems"]}
    assert (1, "prs_Gender") in problems and (1, "cnx_ReceptionProvince") in problems
    assert not Case.objects.filter(owning_agency=api.syt).exists()
    assert (response.json()["created"], response.json()["updated"], response.json()["unchanged"]) == (0, 0, 0)
    unknown = api.syt_api.post("/api/v1/htcds/import", {"rows": [{**VALID, "no_such_column": "x"}]})
    assert unknown.status_code == 422 and unknown.json()["problems"]


def test_an_import_stopped_while_writing_counts_the_rows_before_it(api, monkeypatch):
    """Chunks of 2 rows, the fifth refused by the identification action while written: the 422
    counts the four rows that are in (decision 303) and names the refused one by its index."""
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    response = api.syt_api.post("/api/v1/htcds/import", {"rows": rows_refused_at(4)})
    assert response.status_code == 422
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (4, 0, 0)
    assert Case.objects.filter(owning_agency=api.syt).count() == 4
    # In Vietnamese, as every message of the API.
    assert body["detail"].startswith("Việc nhập dừng lại sau 4 dòng: xem các vấn đề.")
    assert [problem["row"] for problem in body["problems"]] == [4]


@pytest.mark.parametrize("body", [{}, {"rows": []}, {"rows": "x"}, {"rows": [[1]]}, {"rows": [VALID], "mode": "x"}])
def test_malformed_import_bodies_are_422(api, body):
    assert api.syt_api.post("/api/v1/htcds/import", body).status_code == 422


def test_the_row_limit_is_413(api, settings):
    settings.CAUNOI_API_IMPORT_MAX_ROWS = 1
    response = api.syt_api.post("/api/v1/htcds/import", {"rows": [VALID, VALID]})
    assert response.status_code == 413


def test_htcds_needs_its_scopes(api):
    client, reader = make_client(api.syt, scopes=["cases:read"], name="Reader")
    assert reader.get("/api/v1/htcds/export").status_code == 403
    assert reader.post("/api/v1/htcds/import", {"rows": [VALID]}).status_code == 403
    assert not Case.objects.filter(owning_agency=api.syt).exists()
