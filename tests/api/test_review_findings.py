"""Findings of the privacy and permission review of the API (decision 267)."""

import pytest

from casework.models import Case, CaseEvent, CaseGrant, SensitivityClass
from referrals.actions import do_send_referral
from referrals.models import ReferralPurpose
from tests.api.test_htcds import VALID
from tests.fixtures.chain import consent, new_person_case
from tests.fixtures.personas import acting

pytestmark = pytest.mark.django_db


def test_an_api_import_assigns_no_case_to_the_machine_account(api):
    """A machine assigns nobody (decision 237): the bulk registration must not make the
    client's service account the cases' caseworker, with an assignment grant of its own."""
    response = api.syt_api.post("/api/v1/htcds/import", {"rows": [VALID]})
    assert response.status_code == 200, response.content
    case = Case.objects.get(owning_agency=api.syt, external_id="SRC-1")
    assert case.assigned_to_id is None
    assert not CaseGrant.objects.filter(case=case, source=CaseGrant.Source.ASSIGNMENT).exists()


def test_accepting_a_lead_referral_through_the_api_assigns_no_case_to_the_machine(api):
    """A referral that makes the receiver the lead, accepted by a partner system: the case
    moves to the receiver unassigned, never to the client's service account."""
    case = new_person_case(api.police, api.police_worker, reception_commune=api.commune)
    consent(case, api.commune, [SensitivityClass.CORE, SensitivityClass.IDENTITY], api.police_worker)
    referral = do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="reintegration_followup"),
        to_agency=api.commune,
        from_agency=api.police,
        actor=acting(api.police_worker),
    )
    url = f"/api/v1/referrals/{referral.public_id}"
    assert api.commune_api.post(f"{url}/acknowledge").status_code == 200
    accepted = api.commune_api.post(f"{url}/accept")
    assert accepted.status_code == 200, accepted.content
    case.refresh_from_db()
    assert case.owning_agency == api.commune
    assert case.assigned_to_id is None
    assert not CaseGrant.objects.filter(case=case, user=api.commune_client.user, revoked_at__isnull=True).exists()


def test_an_api_import_does_not_say_a_person_is_registered_where_the_client_cannot_see(api):
    """The web import and the wizard never tell the importer of cases it may not see (Law 53
    art. 3(10)); the owners hear of it on their timelines. The API's count must not either."""
    new_person_case(api.police, api.police_worker, birth_year=1998, home="LCA")
    row = {
        **VALID,
        "cnx_ExternalId": "HN-1",
        "prs_FirstName": "Hoa",
        "prs_SecondName": "Lò Thị",
        "prs_Birthdate": "1998-04-05",
        "prs_MailingState": "LCA",
        "cnx_ReceptionProvince": "HN",
    }
    response = api.syt_hn_api.post("/api/v1/htcds/import", {"rows": [row]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 1 and "possible_duplicates" not in body
    # The owner is still told, on its case's timeline.
    owned = Case.objects.get(owning_agency=api.police)
    assert owned.events.filter(kind=CaseEvent.Kind.POSSIBLE_DUPLICATE).exists()
