"""The facility page's lists (residents, placements awaiting admission, follow-ups due) read a
person's name in SQL only where the reader holds `identity` on the case: no person row is
loaded, and a name the reader may not see never leaves the database."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.actions import do_record_consent
from casework.models import AgencyKind, Consent, SensitivityClass
from shelters import access, actions
from tests.fixtures.personas import acting, make_case, sign_in
from tests.fixtures.shelters import new_case, place

pytestmark = pytest.mark.django_db


def without_identity(w, name):
    """A case whose person agreed to share her situation with shelters, not who she is."""
    case = make_case(w.social, acting(w.social_worker), name=name)
    do_record_consent(
        case,
        Consent(
            given_by=Consent.GivenBy.PERSON,
            classes=[SensitivityClass.CORE, SensitivityClass.SHELTER, SensitivityClass.HEALTH],
            agency_kind=AgencyKind.objects.get(code="womens_union"),
            purpose="Tạm lánh",
            given_on=timezone.localdate(),
        ),
        actor=acting(w.social_worker),
    )
    return case


def test_the_facility_page_names_only_those_whose_identity_is_shared(shelter_world):
    w = shelter_world
    named = new_case(w.social, w.social_worker, name="Lò Thị Mai")
    place(named, w)
    actions.do_admit_from_placement(
        named, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )
    waiting = without_identity(w, "Sùng Thị Pà")  # the facility's second and last bed, held
    place(waiting, w)

    client = sign_in(w.shelter_worker)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("shelters:facility", args=[w.facility.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Lò Thị Mai" in page
    assert "Sùng Thị Pà" not in page and waiting.reference in page
    # No statement of the page reads the person row: the name comes only from the CASE WHEN
    # that asks about identity, and nothing else of the person (birth date, documents).
    reads_person = [q["sql"] for q in queries.captured_queries if '"casework_person"."birth_date"' in q["sql"]]
    assert reads_person == []


def test_the_lists_give_the_name_as_null_without_identity(shelter_world):
    w = shelter_world
    named = new_case(w.social, w.social_worker, name="Lò Thị Mai")
    unnamed = without_identity(w, "Vàng Thị Dua")
    for case in (named, unnamed):
        place(case, w)
    awaiting = {p.case_id: p for p in access.awaiting_admission(w.shelter_worker, w.facility)}
    assert awaiting[named.pk].person_name == "Lò Thị Mai" and awaiting[named.pk].shows_identity
    assert awaiting[unnamed.pk].person_name is None and not awaiting[unnamed.pk].shows_identity
    for case in (named, unnamed):
        actions.do_admit_from_placement(
            case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
        )
    residents = {stay.case_id: stay for stay in access.residents(w.shelter_worker, w.facility)}
    assert residents[named.pk].person_name == "Lò Thị Mai"
    assert residents[unnamed.pk].person_name is None
    # The rows hold no person: reading it would be a query of its own.
    assert all("person" not in stay.case._state.fields_cache for stay in residents.values())


def test_a_resident_without_a_recorded_name_is_listed_by_her_case_reference(shelter_world):
    """An empty name is no name: the row links by the case's reference, never as an empty
    link, and the row is not counted as showing identity."""
    from casework.models import Person

    w = shelter_world
    unnamed = new_case(w.social, w.social_worker, name="Tạm Tên")
    Person.objects.filter(pk=unnamed.person_id).update(full_name="")
    place(unnamed, w)
    actions.do_admit_from_placement(
        unnamed, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )
    page = sign_in(w.shelter_worker).get(reverse("shelters:facility", args=[w.facility.code])).content.decode()
    assert f">{unnamed.reference}</a>" in page
    assert '#followups"></a>' not in page and f'/{unnamed.reference}"></a>' not in page
    assert re.search(r'<td><a href="/shelters/stays/[^"]+/"></a></td>', page) is None
    (stay,) = access.residents(acting(w.shelter_worker), w.facility)
    assert stay.person_name == "" and stay.shows_identity is False
