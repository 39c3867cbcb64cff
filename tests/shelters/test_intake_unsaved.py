"""“Hoàn thành phiếu tiếp nhận” never drops a section's unsaved text (issue 16, decision 198):
the completion form carries every section's current values; the server saves those that differ
from what is saved, or refuses completion naming the sections it could not save."""

import re

import pytest
from django.utils import timezone

from casework.models import AuditEvent
from shelters.actions import do_admit_from_placement
from shelters.models import Intake
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.shelters import new_case, place
from tests.shelters.test_intake import complete_url, fill_all, page_url, valid_answers

NEW_GOALS = "Mở một quán may nhỏ ở quê"


@pytest.fixture
def stay(shelter_world):
    w = shelter_world
    case = new_case(w.social, w.social_worker)
    place(case, w)
    return do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )


def carried(answers: dict[str, dict]) -> dict:
    """The completion POST as static/js/app.js builds it: every section, "<section>-<field>"."""
    data: dict = {"included": list(answers)}
    for key, section in answers.items():
        for name, value in section.items():
            data[f"{key}-{name}"] = value
    return data


def test_completion_saves_a_section_typed_but_not_saved(shelter_world, stay):
    client = sign_in(shelter_world.shelter_worker)
    answers = valid_answers(timezone.localdate())
    fill_all(client, stay, goals={"goals": ""})  # goals saved empty: completion would be refused
    answers["goals"]["goals"] = NEW_GOALS  # typed in the goals section, "Save" not pressed
    response = client.post(complete_url(stay), carried(answers), follow=True)
    intake = Intake.objects.get(stay=stay)
    assert intake.completed_at is not None
    assert intake.sections["goals"]["goals"] == NEW_GOALS
    page = response.content.decode()
    assert "Những gì bạn đã nhập ở các phần sau đã được lưu trước: Mong muốn của người được hỗ trợ." in page
    # Only the section that differed was saved again: one update row for it, none for the others.
    saves = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, detail__intake_section="goals")
    assert saves.count() == 2  # fill_all's save and the one made at completion
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, detail__intake_section="risk").count() == 1


def test_completion_with_a_section_that_cannot_be_saved_names_it_and_keeps_the_text(shelter_world, stay):
    client = sign_in(shelter_world.shelter_worker)
    answers = valid_answers(timezone.localdate())
    fill_all(client, stay)
    answers["belongings"]["cash_vnd"] = "hai trăm nghìn"  # not a number: this section cannot be saved
    answers["belongings"]["items"] = "Một túi quần áo, một điện thoại"
    answers["goals"]["goals"] = NEW_GOALS  # this one can
    response = client.post(complete_url(stay), carried(answers))
    assert response.status_code == 400
    page = response.content.decode()
    intake = Intake.objects.get(stay=stay)
    assert intake.completed_at is None
    assert intake.sections["goals"]["goals"] == NEW_GOALS  # saved anyway: nothing typed is lost
    assert intake.sections["belongings"]["items"] == "Một túi quần áo"  # not saved, still on the page
    assert "không lưu được những gì bạn đã nhập ở các phần sau: Tư trang đã tiếp nhận" in page
    assert 'value="hai trăm nghìn"' in page and "Một túi quần áo, một điện thoại" in page
    # The refusal is shown beside the completion button, not at the top of the page.
    complete = page[page.index('id="complete"') :]
    assert 'data-testid="intake-error"' in complete
    assert page.count('data-testid="intake-error"') == 1
    refused = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, detail__action="intake-complete")
    assert refused.detail["sections"] == ["belongings"]
    assert "hai trăm" not in str(refused.detail)


def test_sections_equal_to_what_is_saved_are_not_saved_again(shelter_world, stay):
    client = sign_in(shelter_world.shelter_worker)
    fill_all(client, stay)
    before = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, detail__has_key="intake_section").count()
    response = client.post(complete_url(stay), carried(valid_answers(timezone.localdate())))
    assert response.status_code == 302
    after = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, detail__has_key="intake_section").count()
    assert after == before
    assert Intake.objects.get(stay=stay).completed_at is not None


def test_a_missing_answer_refusal_is_shown_beside_the_completion_button(shelter_world, stay):
    client = sign_in(shelter_world.shelter_worker)
    response = client.post(complete_url(stay))
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'id="complete".*data-testid="intake-error"', page, re.DOTALL)
    assert page.index('data-testid="intake-error"') > page.index('id="complete"')


def test_the_page_marks_the_forms_the_script_copies(shelter_world, stay):
    page = sign_in(shelter_world.shelter_worker).get(page_url(stay)).content.decode()
    assert "data-intake-complete" in page
    assert 'data-intake-section="goals"' in page and 'data-intake-section="arrival"' in page
