"""Issue 16: the receiver of a referral sees, before accepting it, the person's sex, age band,
child flag, languages and the sender's urgency — under `core`, without her name, document or
birth year — and the looks are audited (decision 205)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, Case, Person, SensitivityClass
from referrals.access import referral_profile
from referrals.actions import do_accept_referral, do_acknowledge_referral, do_decline_referral, do_send_referral
from referrals.models import ReferralPurpose
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.shelters import new_case

pytestmark = pytest.mark.django_db

NAME = "Vàng Thị Dung"
DOCUMENT = "001306009999"


def child_placement(w, *, urgent=True, age=16):
    birth_year = timezone.localdate().year - age
    case = new_case(w.social, w.social_worker, name=NAME, birth_year=birth_year, document_number=DOCUMENT)
    Person.objects.filter(pk=case.person_id).update(languages="Tiếng H'Mông, tiếng Việt")
    referral = do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=w.facility.agency,
        from_agency=w.social,
        urgent=urgent,
        actor=acting(w.social_worker),
    )
    return Case.objects.get(pk=case.pk), referral


def english(user):
    client = sign_in(user)
    client.cookies["django_language"] = "en"
    return client


def assert_no_identity(body: str, case: Case) -> None:
    assert NAME not in body
    assert DOCUMENT not in body
    assert str(case.person.birth_year) not in body


def test_pending_receiver_sees_the_profile_in_the_inbox_and_not_who_she_is(shelter_world):
    w = shelter_world
    case, referral = child_placement(w)
    held = {grant.group_id: grant.classes for grant in case.grants.filter(source_ref=referral.reference)}
    assert held and all(classes == [SensitivityClass.CORE] for classes in held.values())

    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    body = english(w.shelter_worker).get(reverse("referrals:inbox")).content.decode()
    row = body[body.index(referral.reference) :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="profile-sex">female<' in row
    assert 'data-testid="profile-age">15–17<' in row
    assert 'data-testid="profile-child"' in row
    assert "Tiếng H&#x27;Mông, tiếng Việt" in row
    assert 'data-testid="profile-urgent"' in row
    assert_no_identity(body, case)
    listed = AuditEvent.objects.get(id__gt=mark, action=AuditEvent.Action.LIST, actor=w.shelter_worker)
    assert listed.detail["profiles"] == 1
    assert SensitivityClass.IDENTITY not in listed.classes


def test_pending_receiver_sees_the_profile_on_the_referral_page(shelter_world):
    w = shelter_world
    case, referral = child_placement(w)
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    body = english(w.shelter_worker).get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert 'data-testid="profile-sex">female<' in body
    assert 'data-testid="profile-age">15–17<' in body
    assert 'data-testid="profile-urgent"' in body
    assert_no_identity(body, case)
    viewed = AuditEvent.objects.get(id__gt=mark, action=AuditEvent.Action.VIEW, actor=w.shelter_worker)
    assert viewed.detail == {"profile": True} and viewed.case_id == case.pk
    assert viewed.classes == [SensitivityClass.CORE]


def test_a_referral_not_marked_urgent_shows_no_urgency(shelter_world):
    w = shelter_world
    case, referral = child_placement(w, urgent=False)
    body = english(w.shelter_worker).get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert 'data-testid="profile-urgent"' not in body
    assert 'data-testid="profile-sex">female<' in body


def test_the_profile_of_an_adult_with_no_age(shelter_world):
    w = shelter_world
    case, referral = child_placement(w)
    Case.objects.filter(pk=case.pk).update(age_at_reception=None, is_child=False)
    referral.case.refresh_from_db()
    profile = referral_profile(referral)
    assert (profile.age_band, profile.is_child, profile.sex) == ("unknown", False, "female")
    Case.objects.filter(pk=case.pk).update(age_at_reception=30)
    referral.case.refresh_from_db()
    assert referral_profile(referral).age_band == "adult"


def test_the_sender_marks_a_referral_urgent_from_the_send_form(shelter_world):
    w = shelter_world
    case = new_case(w.social, w.social_worker, name=NAME)
    response = sign_in(w.social_worker).post(
        reverse("referrals:send", args=[case.public_id]),
        {
            "purpose": ReferralPurpose.objects.get(code="shelter_placement").pk,
            "to_agency": w.facility.agency.pk,
            "note": "",
            "urgent": "on",
        },
    )
    assert response.status_code == 302
    assert case.referrals.get().urgent is True


def test_after_acceptance_the_name_is_there_as_before(shelter_world):
    w = shelter_world
    # An adult: the test facility takes adult women only (the profile is what tells it).
    case, referral = child_placement(w, age=30)
    do_acknowledge_referral(referral, actor=acting(w.shelter_worker))
    do_accept_referral(referral, actor=acting(w.shelter_worker))
    body = english(w.shelter_worker).get(reverse("referrals:inbox")).content.decode()
    assert NAME in body
    assert 'data-testid="profile-age">18 and over<' in body
    assert 'data-testid="profile-child"' not in body


def test_a_receiver_that_declined_no_longer_sees_the_profile(shelter_world):
    """The profile is for deciding: once declined, the receiver's `core` grant is gone and so
    is the profile, on the referral page and in the inbox; the sender still sees it."""
    w = shelter_world
    case, referral = child_placement(w)
    do_acknowledge_referral(referral, actor=acting(w.shelter_worker))
    do_decline_referral(referral, reason="hết chỗ", actor=acting(w.shelter_worker))
    client = english(w.shelter_worker)
    page = client.get(reverse("referrals:detail", args=[referral.public_id]))
    assert page.status_code == 200
    assert 'data-testid="referral-profile"' not in page.content.decode()
    assert 'data-testid="referral-profile"' not in client.get(reverse("referrals:inbox")).content.decode()
    assert AuditEvent.objects.filter(actor=w.shelter_worker, action=AuditEvent.Action.VIEW).last().detail == {
        "profile": False
    }
    sender = english(w.social_worker).get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert 'data-testid="referral-profile"' in sender
