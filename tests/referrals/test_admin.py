"""Administrators keep the routing data: rules, purposes' hours, facilities and their beds."""

import pytest
from django.urls import reverse

from casework.models import Province, User
from shelters.models import Bed, Facility, FacilityKind
from tests.fixtures.personas import make_agency, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_signed_in(reference_data):
    return sign_in(User.objects.create_superuser("root", password="x-not-used-9"))


def test_routing_rules_and_purposes_are_listed_for_the_administrator(admin_client_signed_in):
    rules = admin_client_signed_in.get(reverse("admin:referrals_routingrule_changelist"))
    assert rules.status_code == 200
    assert b"returned-to-home-province" in rules.content
    purposes = admin_client_signed_in.get(reverse("admin:referrals_referralpurpose_changelist"))
    assert purposes.status_code == 200


def test_a_facility_page_shows_rooms_and_beds_but_no_case(admin_client_signed_in):
    agency = make_agency("adm-peace", "womens_union", "HN")
    facility = Facility.objects.create(
        code="adm-peace",
        name="Nhà Bình yên (thử)",
        kind=FacilityKind.PEACE_HOUSE,
        agency=agency,
        province=Province.objects.get(code="HN"),
    )
    Bed.objects.create(facility=facility, room="P1", label="G1")
    page = admin_client_signed_in.get(reverse("admin:shelters_facility_change", args=[facility.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="beds-0-room"' in html
    assert "held_for" not in html and "occupied_by" not in html
