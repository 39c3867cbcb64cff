"""In a real browser: a shelter worker types into an intake section and presses "Hoàn thành
phiếu tiếp nhận" without saving it. The text is saved and the intake completes; a section whose
text cannot be saved is named beside the button and keeps the text (issue 16, decision 198)."""

import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from shelters import actions
from shelters.intake import SECTION_BY_KEY
from shelters.models import Intake
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in, submit
from tests.e2e.test_wizard_session_expiry import end_session_while_idle
from tests.fixtures.personas import PASSWORD, acting
from tests.fixtures.shelters import new_case, place, shelter_world  # noqa: F401 — fixture
from tests.shelters.test_intake import valid_answers

GOALS = "Học nghề may rồi mở tiệm nhỏ ở quê"


def admitted_with_all_but_goals(w):
    case = new_case(w.social, w.social_worker, name="Lò Thị Mai")
    place(case, w)
    stay = actions.do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )
    for key, answers in valid_answers(timezone.localdate()).items():
        if key == "goals":
            continue
        form = SECTION_BY_KEY[key].form(answers)
        assert form.is_valid(), form.errors
        actions.do_save_intake_section(stay, key, form.cleaned_data, actor=w.shelter_worker)
    return stay


@pytest.mark.browser
def test_completion_saves_the_typed_section_or_names_it(live_server, shelter_world, page):  # noqa: F811
    w = shelter_world
    stay = admitted_with_all_but_goals(w)
    sign_in(page, live_server.url, "s.peace.worker")
    page.goto(f"{live_server.url}/shelters/stays/{stay.public_id}/intake/")

    # A section that cannot be saved (negative cash) and one that can, neither saved by hand.
    belongings = page.locator("[data-testid=section-belongings]")
    belongings.locator("[name=cash_vnd]").fill("-5")
    page.locator("[data-testid=section-goals] [name=goals]").fill(GOALS)
    submit(page, "[data-testid=complete-intake]")

    error = page.locator("#complete [data-testid=intake-error]")
    expect(error).to_contain_text("Tư trang đã tiếp nhận")
    expect(page.locator("[data-testid=intake-error]")).to_have_count(1)
    expect(page.locator("[data-testid=message]")).to_contain_text("Mong muốn của người được hỗ trợ")
    expect(belongings.locator("[name=cash_vnd]")).to_have_value("-5")
    expect(belongings.locator("[data-testid=section-errors]")).to_be_visible()
    intake = Intake.objects.get(stay=stay)
    assert intake.completed_at is None and intake.sections["goals"]["goals"] == GOALS

    # Corrected in place, still without pressing that section's "Save": completion goes through.
    belongings.locator("[name=cash_vnd]").fill("150000")
    submit(page, "[data-testid=complete-intake]")
    expect(page).to_have_url(f"{live_server.url}/shelters/stays/{stay.public_id}/")
    intake.refresh_from_db()
    assert intake.completed_at is not None
    assert intake.sections["belongings"]["cash_vnd"] == 150000
    # The refused completion is a 400 page, which Chromium logs; nothing else may be.
    assert_clean(page, allowed=(r"/intake/complete/: Failed to load resource: .* 400",))


@pytest.mark.browser
def test_a_section_typed_when_the_page_blanks_for_idleness_comes_back_after_sign_in(
    live_server,
    shelter_world,  # noqa: F811
    page,
):
    w = shelter_world
    stay = admitted_with_all_but_goals(w)
    intake_url = f"{live_server.url}/shelters/stays/{stay.public_id}/intake/"
    page.clock.install()
    sign_in(page, live_server.url, "s.peace.worker")
    page.goto(intake_url)
    page.locator("[data-testid=section-goals] [name=goals]").fill(GOALS)

    end_session_while_idle(page)
    page.clock.run_for((settings.SESSION_IDLE_SECONDS + 10) * 1000)
    expect(page.locator("body")).not_to_contain_text(GOALS)
    submit(page, "[data-testid=idle-notice] a")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next="))
    page.fill("[name=username]", "s.peace.worker")
    page.fill("[name=password]", PASSWORD)
    submit(page, "form:has([name=password]) [type=submit]")

    expect(page).to_have_url(intake_url)
    expect(page.locator("[data-testid=typed-restored]")).to_be_visible()
    goals = page.locator("[data-testid=section-goals]")
    expect(goals.locator("[name=goals]")).to_have_value(GOALS)
    with page.expect_response(lambda r: r.url.endswith("/intake/goals/") and r.request.method == "POST"):
        goals.get_by_role("button").click()
    expect(page.locator("[data-testid=section-goals] [data-testid=section-state]")).to_have_text("Đã hoàn thành")
    assert Intake.objects.get(stay=stay).sections["goals"]["goals"] == GOALS
    # Saved: a later visit shows what the server has, with no notice.
    page.goto(intake_url)
    expect(page.locator("[data-testid=typed-restored]")).to_be_hidden()
    assert_clean(page)
