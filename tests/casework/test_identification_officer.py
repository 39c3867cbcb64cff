"""Issue 16, decision 202: the officer who signed an identification decision is picked from
the deciding agency's own staff (nobody of another agency is offered or accepted), or typed
when not in the list; the case page shows either."""

import pytest
from django.utils import timezone

from casework import actions
from casework.models import CaseStatus
from tests.casework.test_bad_input import client_for, field_block, form_refusals, timeline
from tests.casework.test_reference_defaults import option_labels, select_block
from tests.fixtures.personas import acting, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def identifying(world):
    """The world's case at the identification step."""
    owner = acting(world.owner)
    actions.do_transition_case(world.case, CaseStatus.VERIFYING, reason="check", actor=owner)
    actions.do_transition_case(world.case, CaseStatus.IDENTIFYING, reason="check", actor=owner)
    world.case.refresh_from_db()
    return world.case


def identification(**extra) -> dict:
    return {
        "outcome": "victim",
        "identified_on": timezone.localdate().isoformat(),
        "authority": "Công an tỉnh Lào Cai",
        "document": "12/QĐ",
        "grounds": ["person_statement"],
        "reason": "Lời khai và giấy tờ",
        **extra,
    }


# The picker is in the identification form, fetched when opened from the case page (decision 275).


def test_the_officer_picker_lists_only_the_agencys_own_staff(world, identifying):
    retired = make_user("retired.officer", world.police, "caseworker")
    retired.is_active = False
    retired.save()
    page = sign_in(world.owner).get(f"/cases/{identifying.public_id}/identification/form/").content.decode()
    block = select_block(page, "officer")
    labels = option_labels(block)
    assert labels[0] == "Khác — ghi rõ tên ở ô dưới"
    assert labels[1:] == ["Colleague", "Owner", "Supervisor"]
    for stranger in (world.other_supervisor, world.shelter, world.outsider, retired):
        assert stranger.full_name not in block
    assert 'name="officer_name"' in page


def test_officers_are_listed_in_vietnamese_order(world, identifying):
    for username, name in [("dang", "Đặng Thị Hoa"), ("do", "Đỗ Văn Nam"), ("duong", "Dương Văn An")]:
        user = make_user(username, world.police, "supervisor")
        user.full_name = name
        user.save()
    page = sign_in(world.owner).get(f"/cases/{identifying.public_id}/identification/form/").content.decode()
    labels = option_labels(select_block(page, "officer"))[1:]
    assert labels == ["Colleague", "Dương Văn An", "Đặng Thị Hoa", "Đỗ Văn Nam", "Owner", "Supervisor"]


def test_a_picked_officer_is_stored_as_the_user_and_shown_on_the_case_page(world, identifying):
    client = sign_in(world.owner)
    response = client.post(
        f"/cases/{identifying.public_id}/identification/",
        identification(officer=str(world.supervisor.pk), officer_name="ignored"),
    )
    assert response.status_code == 302
    identifying.refresh_from_db()
    assert identifying.status == CaseStatus.IDENTIFIED
    assert identifying.identification_officer == world.supervisor
    assert identifying.identification_officer_name == ""
    html = client.get(f"/cases/{identifying.public_id}/").content.decode()
    assert f'data-testid="identification-officer">{world.supervisor.full_name}</span>' in html


def test_an_officer_not_in_the_list_is_kept_as_typed(world, identifying):
    client = sign_in(world.owner)
    client.post(
        f"/cases/{identifying.public_id}/identification/",
        identification(officer="", officer_name="  Thượng tá   Lò Văn Minh "),
    )
    identifying.refresh_from_db()
    assert identifying.status == CaseStatus.IDENTIFIED
    assert identifying.identification_officer is None
    assert identifying.identification_officer_name == "Thượng tá Lò Văn Minh"
    html = client.get(f"/cases/{identifying.public_id}/").content.decode()
    assert 'data-testid="identification-officer">Thượng tá Lò Văn Minh</span>' in html


def test_an_officer_of_another_agency_is_refused_and_nothing_is_recorded(world, identifying):
    client = client_for(world.owner)
    events = timeline(identifying)
    response = client.post(
        f"/cases/{identifying.public_id}/identification/", identification(officer=str(world.other_supervisor.pk))
    )
    assert form_refusals(response) == ["Select a valid choice. That choice is not one of the available choices."]
    assert "Select a valid choice" in field_block(response.content.decode(), "officer")  # beside the officer
    identifying.refresh_from_db()
    assert identifying.status == CaseStatus.IDENTIFYING
    assert identifying.identification_officer is None
    assert timeline(identifying) == events
