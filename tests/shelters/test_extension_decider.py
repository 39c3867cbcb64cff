"""Issue 16, decision 202: who decided an extension of stay is picked from the facility's own
staff (nobody of another agency is offered or accepted), or typed when not in the list."""

import re

import pytest
from django.urls import reverse

from shelters import actions
from shelters.models import Stay, StayExtension
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.shelters import new_case, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def stay(shelter_world):
    w = shelter_world
    case = new_case(w.social, w.social_worker)
    place(case, w)
    return actions.do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )


def extend(w, stay, **fields):
    data = {"new_end": w.in_months(5).isoformat(), "reason": "Chưa có nơi ở an toàn", **fields}
    return sign_in(w.shelter_worker).post(reverse("shelters:stay-extend", args=[stay.public_id]), data)


def test_the_picker_offers_the_facilitys_staff_only(shelter_world, stay):
    w = shelter_world
    page = sign_in(w.shelter_worker).get(reverse("shelters:stay", args=[stay.public_id])).content.decode()
    block = re.search(r'<select name="decider".*?</select>', page, re.S).group(0)
    labels = re.findall(r"<option [^>]*>([^<]*)</option>", block)
    assert labels == ["Khác — ghi rõ tên ở ô dưới", w.shelter_supervisor.full_name, w.shelter_worker.full_name]
    for stranger in (w.other_shelter_worker, w.social_worker, w.owner):
        assert stranger.full_name not in block


def test_a_picked_decider_is_stored_with_the_name_shown(shelter_world, stay):
    w = shelter_world
    assert extend(w, stay, decider=str(w.shelter_supervisor.pk), decided_by="").status_code == 302
    extension = StayExtension.objects.get(stay=stay)
    assert extension.decider == w.shelter_supervisor
    assert extension.decided_by == w.shelter_supervisor.full_name
    assert Stay.objects.get(pk=stay.pk).planned_end == w.in_months(5)


def test_a_decider_outside_the_system_is_kept_as_typed(shelter_world, stay):
    w = shelter_world
    assert extend(w, stay, decider="", decided_by="Giám đốc Sở Y tế").status_code == 302
    extension = StayExtension.objects.get(stay=stay)
    assert (extension.decider, extension.decided_by) == (None, "Giám đốc Sở Y tế")


@pytest.mark.parametrize("who", ["nobody", "other_shelter_worker"])
def test_no_decider_or_one_of_another_agency_is_refused_and_nothing_changes(shelter_world, stay, who):
    w = shelter_world
    fields = {"decider": "", "decided_by": ""} if who == "nobody" else {"decider": str(getattr(w, who).pk)}
    response = extend(w, stay, **fields)
    assert response.status_code == 400
    assert not StayExtension.objects.filter(stay=stay).exists()
    assert Stay.objects.get(pk=stay.pk).planned_end == w.in_months(3)
    assert "Chưa có nơi ở an toàn" in response.content.decode()  # what was typed is still there


def test_the_action_refuses_a_decider_of_another_agency(shelter_world, stay):
    w = shelter_world
    with pytest.raises(actions.ShelterError):
        actions.do_extend_stay(
            stay,
            new_end=w.in_months(5),
            reason="x",
            decided_by="y",
            decider=w.other_shelter_worker,
            actor=acting(w.shelter_worker),
        )
    assert not StayExtension.objects.filter(stay=stay).exists()
