"""The facts eligibility reads as they change: a child accompanying an adult is owed according
to that adult, and where the person is ends with her return home."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.actions import CaseworkError
from casework.models import Case, Country, LegalRegime, Person, PersonStatus
from casework.responsibility import do_record_return
from support.entitlements import entitlements
from tests.fixtures.chain import fresh, new_person_case
from tests.fixtures.personas import acting, make_case, sign_in
from tests.fixtures.support import child_of, codes, identify

pytestmark = pytest.mark.django_db


def test_a_child_with_a_foreign_victim_is_owed_the_foreign_row(sp):
    adult = make_case(
        sp.social, acting(sp.worker), person_status=PersonStatus.VICTIM, legal_regime=LegalRegime.LAW_2024
    )
    Person.objects.filter(pk=adult.person_id).update(nationality=Country.objects.get(alpha2="CN"))
    child = make_case(
        sp.social,
        acting(sp.worker),
        birth_year=timezone.localdate().year - 8,
        person_status=PersonStatus.ACCOMPANYING_CHILD,
        legal_regime=LegalRegime.LAW_2024,
    )
    Case.objects.filter(pk=child.pk).update(accompanies=adult)
    child = Case.objects.get(pk=child.pk)
    found = entitlements(child)
    assert [e.item.point for e in found] == ["a", "b", "c", "d", "đ", "g"]
    assert all(e.case_by_case for e in found)


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
