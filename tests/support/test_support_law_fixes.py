"""Support-law fixes found in review (issue 14, bullet 7)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import actions
from casework.actions import CaseworkError
from casework.models import Case, CaseStatus, LegalRegime, Person, PersonStatus
from casework.responsibility import do_record_return
from support.catalogue import load_support_catalogue
from support.entitlements import entitlements
from support.models import SupportItem
from tests.fixtures.chain import fresh, new_person_case
from tests.fixtures.personas import acting, sign_in

pytestmark = pytest.mark.django_db


def codes(case) -> set[str]:
    return {entitlement.item.code for entitlement in entitlements(fresh(case))}


def identify(case, chain, *, is_victim=True, on=None):
    worker = acting(chain.police_worker)
    actions.do_transition_case(case, CaseStatus.VERIFYING, reason="x", actor=worker)
    return actions.do_record_identification(
        fresh(case),
        is_victim=is_victim,
        identified_on=on or timezone.localdate(),
        authority="Công an tỉnh Lào Cai",
        document="",
        reason="Lời khai",
        grounds=["person_statement"],
        agency=chain.police,
        actor=worker,
    )


def child_of(case, chain) -> Case:
    person = Person(
        full_name="Lò Văn Bé", birth_year=timezone.localdate().year - 6, home_province=case.person.home_province
    )
    child = Case(
        came_to_notice=case.came_to_notice,
        received_at=case.received_at,
        reception_province=case.reception_province,
        accompanies=case,
    )
    return actions.do_create_case(person=person, case=child, actor=acting(chain.police_worker), agency=chain.police)


def test_a_child_with_an_adult_found_not_to_be_a_victim_is_owed_nothing_under_art_37(chain):
    adult = new_person_case(chain.police, chain.police_worker)
    child = child_of(adult, chain)
    assert fresh(child).person_status == PersonStatus.ACCOMPANYING_CHILD
    identify(adult, chain, is_victim=True)
    assert {"l53-a", "l53-h"} <= codes(child)  # a–h with a victim (the check below can fail)
    other = new_person_case(chain.police, chain.police_worker)
    other_child = child_of(other, chain)
    identify(other, chain, is_victim=False)
    assert codes(other_child) == set()


def test_the_2011_regime_has_legal_aid_and_loans(chain):
    case = new_person_case(chain.police, chain.police_worker, hours_ago=24 * 800)
    from casework.models import Country

    case.person.nationality = Country.objects.get(alpha2="VN")
    case.person.save()
    identify(case, chain, on=datetime.date(2025, 3, 1))
    assert fresh(case).legal_regime == LegalRegime.LAW_2011
    found = codes(case)
    assert {"l66-legal-aid", "l66-loans"} <= found
    assert SupportItem.objects.get(code="l66-loans").legal_basis == "Luật 66/2011/QH12 Điều 32"


def test_no_legal_basis_claims_an_amendment_domain_does_not_source():
    load_support_catalogue()
    assert not SupportItem.objects.filter(legal_basis__contains="sửa đổi bởi Nghị định 20/2021").exists()
    assert SupportItem.objects.get(code="d09-meals").legal_basis == "Nghị định 09/2013/NĐ-CP Điều 19"


def test_abroad_is_a_fact_that_ends_with_the_return_home(chain):
    from casework.models import Country

    case = new_person_case(chain.police, chain.police_worker, abroad=True)
    case.person.nationality = Country.objects.get(alpha2="VN")
    case.person.save()
    assert codes(case) == {"l53-a", "l53-b", "l53-c", "l53-d"}  # in identification, abroad
    with pytest.raises(CaseworkError):
        do_record_return(case, returned_on=timezone.localdate() + datetime.timedelta(days=1), actor=chain.police_worker)
    client = sign_in(chain.police_worker)
    response = client.post(
        reverse("casework:case-return", args=[case.public_id]), {"returned_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    case = fresh(case)
    assert not case.abroad and case.returned_on == timezone.localdate()
    assert codes(case) == {"l53-a", "l53-b", "l53-c", "l53-d", "l53-dd", "l53-e", "l53-g"}  # in Vietnam now
    page = client.get(reverse("casework:case-detail", args=[case.public_id])).content.decode()
    assert 'data-testid="whereabouts"' in page


def test_the_lead_social_agency_files_claims_and_a_placement_receiver_does_not(chain):
    from referrals import routing
    from tests.fixtures.chain import accept, referral_to

    case = new_person_case(chain.commune, chain.commune_worker)
    from casework.models import Country

    case.person.nationality = Country.objects.get(alpha2="VN")
    case.person.save()
    routing.route_case(case.pk)
    accept(referral_to(case, "protection_support", chain.syt), chain.syt_worker)
    identify(case, chain)
    data = {"item": "l53-k", "deciding_agency": chain.syt.pk, "documents": "Mẫu số 07"}
    url = reverse("support:case-claim", args=[case.public_id])
    assert sign_in(chain.commune_worker).post(url, data).status_code in (403, 404)  # the former lead
    assert sign_in(chain.syt_worker).post(url, data).status_code in (200, 302)
    assert fresh(case).claims.get().filed_by == chain.syt_worker
