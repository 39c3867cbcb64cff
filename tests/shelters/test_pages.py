"""The board, the facility page, admission and the stay page, as their users reach them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from casework.models import AuditEvent
from referrals.actions import ReferralError, do_complete_referral, do_record_handover
from referrals.models import Referral
from shelters import actions
from shelters.models import Bed, FollowUpVisit, ServiceRecord, Stay
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.queries import page_queries
from tests.fixtures.referrals import make_minutes
from tests.fixtures.shelters import make_facility, new_case, place

pytestmark = pytest.mark.django_db


def admitted(w, name="Lò Thị Mai"):
    case = new_case(w.social, w.social_worker, name=name)
    place(case, w)
    return actions.do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )


def test_board_shows_counts_to_any_agency_and_no_names(shelter_world):
    w = shelter_world
    stay = admitted(w)
    response = sign_in(w.owner).get(reverse("shelters:board"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="free-s-peace-hn">1<' in body
    assert "Lò Thị Mai" not in body and stay.case.reference not in body
    assert "own-facility-link" not in body


def test_facility_page_is_for_its_own_staff_only(shelter_world):
    w = shelter_world
    admitted(w)
    url = reverse("shelters:facility", args=[w.facility.code])
    page = sign_in(w.shelter_worker).get(url)
    assert page.status_code == 200
    assert "Lò Thị Mai" in page.content.decode()
    for outsider in (w.other_shelter_worker, w.social_worker, w.owner, w.outsider):
        before = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count()
        assert sign_in(outsider).get(url).status_code == 404
        assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count() == before + 1


def test_stay_pages_are_404_to_another_facility(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = sign_in(w.other_shelter_worker)
    code = stay.public_id
    assert client.get(reverse("shelters:stay", args=[code])).status_code == 404
    for name in ("shelters:stay-extend", "shelters:stay-service", "shelters:stay-discharge"):
        assert client.post(reverse(name, args=[code]), {}).status_code == 404
    assert not ServiceRecord.objects.exists()


def test_resident_list_and_board_query_counts_do_not_grow(shelter_world, django_assert_max_num_queries):
    w = shelter_world
    client = sign_in(w.shelter_worker)
    url = reverse("shelters:facility", args=[w.facility.code])
    admitted(w)
    with django_assert_max_num_queries(15) as one:
        client.get(url)
    for number in range(3):
        Bed.objects.create(facility=w.facility, room="P9", label=f"X{number}")
    admitted(w, name="Hà Thị Hoa")
    admitted(w, name="Vàng Thị Dua")
    with django_assert_max_num_queries(15) as three:
        client.get(url)
    assert len(three.captured_queries) == len(one.captured_queries)
    board = reverse("shelters:board")
    with django_assert_max_num_queries(12) as two_facilities:
        client.get(board)
    make_facility("s-more-1", "LCA", beds=3)
    make_facility("s-more-2", "HCM", beds=1)
    with django_assert_max_num_queries(12) as four_facilities:
        client.get(board)
    assert len(four_facilities.captured_queries) == len(two_facilities.captured_queries)


def test_admission_page_admits_and_the_board_has_one_fewer_free_bed(shelter_world):
    w = shelter_world
    case = new_case(w.social, w.social_worker)
    placement = place(case, w)
    client = sign_in(w.shelter_worker)
    url = reverse("shelters:admit", args=[w.facility.code, placement.pk])
    assert client.get(url).status_code == 200
    arrived = timezone.localtime() - datetime.timedelta(hours=3)
    post = {"bed": "", "planned_end": w.in_months(2).isoformat(), "admitted_at": arrived.strftime("%Y-%m-%dT%H:%M")}
    response = client.post(url, post)
    stay = Stay.objects.get(case=case)
    assert response.status_code == 302 and response.url == reverse("shelters:stay", args=[stay.public_id])
    assert stay.bed_id == placement.bed_id
    # The real arrival time, not the moment of data entry (issue 14).
    assert stay.admitted_at == arrived.replace(second=0, microsecond=0)
    assert stay.admission_recorded_at > stay.admitted_at
    assert Bed.objects.filter(facility=w.facility).filter(Bed.free_q()).count() == 1
    assert client.get(url).status_code == 404  # admitted once: the placement no longer waits


def test_admission_refusal_keeps_what_was_typed(shelter_world):
    w = shelter_world
    case = new_case(w.social, w.social_worker)
    placement = place(case, w)
    client = sign_in(w.shelter_worker)
    url = reverse("shelters:admit", args=[w.facility.code, placement.pk])
    too_long = (timezone.localdate() + datetime.timedelta(days=31 * 20)).isoformat()
    with translation.override("en"):
        response = client.post(url, {"planned_end": too_long}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert too_long in response.content.decode()
    assert not Stay.objects.exists()
    assert client.post(url, {"planned_end": "not a date"}).status_code == 400


def test_stay_page_moves(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = sign_in(w.shelter_worker)
    code = stay.public_id
    page = client.get(reverse("shelters:stay", args=[code]))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, case=stay.case, actor=w.shelter_worker).exists()
    service = {"kind": "counselling", "provided_on": w.today.isoformat(), "provider": "Chị Hằng"}
    assert client.post(reverse("shelters:stay-service", args=[code]), service).status_code == 302
    bad = dict(service, kind="essential_needs")
    assert client.post(reverse("shelters:stay-service", args=[code]), bad).status_code == 400
    assert ServiceRecord.objects.filter(stay=stay).count() == 1
    extend = {"new_end": w.in_months(5).isoformat(), "decided_by": "Giám đốc", "reason": "Chưa có nơi ở an toàn"}
    assert client.post(reverse("shelters:stay-extend", args=[code]), extend).status_code == 302
    before = (stay.admitted_at - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    discharge = {"discharged_at": before, "destination": "family", "reason": "Về với gia đình"}
    response = client.post(reverse("shelters:stay-discharge", args=[code]), discharge)
    assert response.status_code == 400
    assert "Về với gia đình" in response.content.decode()
    assert Stay.objects.get(pk=stay.pk).discharged_at is None
    discharge["discharged_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    assert client.post(reverse("shelters:stay-discharge", args=[code]), discharge).status_code == 302
    stay.refresh_from_db()
    assert stay.discharged_at is not None
    assert FollowUpVisit.objects.filter(stay=stay).count() == 5
    page = client.get(reverse("shelters:stay", args=[code])).content.decode()
    assert 'data-months="1"' in page


def test_case_page_shows_the_stay_to_shelter_class_holders(shelter_world):
    w = shelter_world
    stay = admitted(w)
    page = sign_in(w.shelter_worker).get(reverse("casework:case-detail", args=[stay.case.public_id]))
    assert reverse("shelters:stay", args=[stay.public_id]) in page.content.decode()
    owner_page = sign_in(w.social_worker).get(reverse("casework:case-detail", args=[stay.case.public_id]))
    assert w.facility.name in owner_page.content.decode()
    assert reverse("shelters:stay", args=[stay.public_id]) not in owner_page.content.decode()


def test_a_placement_cannot_complete_while_she_stays_or_follow_ups_are_open(shelter_world):
    w = shelter_world
    stay = admitted(w)
    referral = Referral.objects.get(reference=stay.placement.reference)
    do_record_handover(referral, minutes=make_minutes(), actor=acting(w.shelter_worker))
    with translation.override("en"), pytest.raises(ReferralError, match="still staying"):
        do_complete_referral(referral, actor=acting(w.shelter_worker))
    actions.do_discharge(
        stay, discharged_at=timezone.now(), destination="family", reason="Về nhà", actor=acting(w.shelter_worker)
    )
    with translation.override("en"), pytest.raises(ReferralError, match="follow-up visits"):
        do_complete_referral(referral, actor=acting(w.shelter_worker))
    FollowUpVisit.objects.filter(stay=stay).update(outcome="safe", visited_on=w.today)
    assert do_complete_referral(referral, actor=acting(w.shelter_worker)).status == "completed"


def test_the_accepted_placement_page_links_to_admission(shelter_world):
    w = shelter_world
    case = new_case(w.social, w.social_worker)
    placement = place(case, w)
    referral = Referral.objects.get(reference=placement.reference)
    page = sign_in(w.shelter_worker).get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert reverse("shelters:admit", args=[w.facility.code, placement.pk]) in page
    sender_page = sign_in(w.social_worker).get(reverse("referrals:detail", args=[referral.public_id]))
    assert reverse("shelters:admit", args=[w.facility.code, placement.pk]) not in sender_page.content.decode()


def test_the_facility_supervisor_reads_but_does_not_act(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = sign_in(w.shelter_supervisor)
    code = stay.public_id
    page = client.get(reverse("shelters:stay", args=[code]))
    assert page.status_code == 200
    assert 'data-testid="discharge-form"' not in page.content.decode()
    service = {"kind": "life_skills", "provided_on": w.today.isoformat(), "provider": "Chị Hằng"}
    denied = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count()
    assert client.post(reverse("shelters:stay-service", args=[code]), service).status_code == 404
    assert client.post(reverse("shelters:intake-section", args=[code, "goals"]), {"goals": "x"}).status_code == 404
    assert client.get(reverse("shelters:admit", args=[w.facility.code, 1])).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).count() == denied + 3
    assert not ServiceRecord.objects.exists()


def test_the_stay_page_query_count_does_not_grow_with_services(shelter_world):
    w = shelter_world
    stay = admitted(w)
    client = sign_in(w.shelter_worker)
    url = reverse("shelters:stay", args=[stay.public_id])
    few, _response = page_queries(client, url)
    for kind in ("counselling", "legal_aid", "life_skills", "vocational", "schooling", "medical"):
        actions.do_record_service(
            stay, kind=kind, provided_on=w.today, provider="Chị Hằng", actor=acting(w.shelter_worker)
        )
    many, response = page_queries(client, url)
    assert response.content.decode().count("Chị Hằng") == 6
    assert few == many <= 20
