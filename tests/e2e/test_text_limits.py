"""In a real browser: a note's length limit is said before the browser cuts silently, and a
paste longer than the limit says that it was cut (decision 331); a refused upload comes back
with the title and kind chosen (decision 330)."""

import pytest
from playwright.sync_api import expect

from casework.forms import NoteForm
from casework.models import Document, Role
from tests.e2e.conftest import assert_clean
from tests.e2e.test_case_registration import sign_in
from tests.fixtures.personas import acting, make_agency, make_case, make_user

pytestmark = pytest.mark.browser

LIMIT = NoteForm.base_fields["body"].max_length


@pytest.fixture
def case_page(live_server, reference_data, new_page):
    police = make_agency("e2e-police", "police", "LCA")
    case = make_case(police, acting(make_user("e2e.canbo", police, Role.CASEWORKER)), name="Người Thử Giới Hạn")
    page = new_page("caseworker")
    sign_in(page, live_server.url, "e2e.canbo")
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    return page, case


def test_a_long_note_shows_its_count_and_a_cut_paste_says_so(case_page, live_server):
    page, case = case_page
    body = page.locator("form[action$='/notes/'] textarea[name=body]")
    note = page.locator("form[action$='/notes/'] [data-length-note]")
    assert body.get_attribute("maxlength") == str(LIMIT)
    body.fill("a" * 100)
    expect(note).to_have_count(0)  # far from the limit: nothing said
    body.fill("a" * (LIMIT - 1000))
    expect(note).to_have_text(f"{LIMIT - 1000:,} / {LIMIT:,} ký tự".replace(",", "."))

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    body.fill("mở đầu ")
    page.evaluate("text => navigator.clipboard.writeText(text)", "b" * (LIMIT + 500))
    body.focus()
    page.keyboard.press("Control+V")
    expect(body).to_have_js_property("value", ("mở đầu " + "b" * LIMIT)[:LIMIT])
    expect(note).to_contain_text("chỉ phần đầu đã được dán")
    expect(note).to_have_class("form-text text-danger")
    body.press("Backspace")  # typing on: the count again
    expect(note).to_have_text(f"{LIMIT - 1:,} / {LIMIT:,} ký tự".replace(",", "."))
    assert_clean(page)


def test_a_refused_upload_keeps_the_title_and_kind(case_page, tmp_path):
    page, case = case_page
    wrong = tmp_path / "ghi-chu.pdf"
    wrong.write_bytes(b"plain text, not a PDF")
    page.click("details[data-form=documents] summary")
    form = page.locator("form[action$='/documents/']")
    form.locator("[name=title]").fill("Biên bản tiếp nhận")
    form.locator("[name=kind]").select_option("id_paper")
    form.locator("[name=file]").set_input_files(str(wrong))
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    form = page.locator("form[action$='/documents/']")
    expect(form.locator(".field-file .invalid-feedback")).to_contain_text("PDF, PNG")  # beside the file
    expect(form.locator("[name=title]")).to_have_value("Biên bản tiếp nhận")
    expect(form.locator("[name=kind]")).to_have_value("id_paper")
    assert not Document.objects.filter(case=case).exists()
    assert_clean(page, allowed=("status of 400",))


def test_a_refused_note_comes_back_with_what_was_typed(case_page, live_server):
    """A refused note redirects to the case page; the text and its group used to be lost
    there (a tester). The form keeps them in the tab and the page marks it refused."""
    page, case = case_page
    form = page.locator("form[action$='/notes/']")
    typed = "Gọi cho chị gái lúc 9 giờ.\nHẹn gặp lại vào thứ Hai."
    form.locator("[name=body]").fill(typed)
    chosen = form.locator("[name=sensitivity] option").last.get_attribute("value")
    form.locator("[name=sensitivity]").select_option(chosen)

    def refused_by_the_server(route):
        # A group this account does not hold, as a page left open while it lost it would send.
        route.continue_(post_data=route.request.post_data.replace(f"sensitivity={chosen}", "sensitivity=secret"))

    page.route(f"{live_server.url}/cases/{case.public_id}/notes/", refused_by_the_server)
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    page.unroute(f"{live_server.url}/cases/{case.public_id}/notes/")
    expect(page.locator("#notes [data-testid=message]")).to_have_count(1)
    expect(form.locator("[name=body]")).to_have_value(typed)
    expect(form.locator("[name=sensitivity]")).to_have_value(chosen)
    assert not case.notes.exists()

    with page.expect_navigation():
        form.locator("[type=submit]").click()
    expect(page.locator("#notes [data-testid=note]").first).to_contain_text("Gọi cho chị gái")
    expect(form.locator("[name=body]")).to_have_value("")  # saved: nothing put back
    assert case.notes.get().body == typed
    kept = page.evaluate("id => Object.keys(sessionStorage).filter(key => key.includes(id))", str(case.public_id))
    assert kept == []  # nothing of the case is left in the tab
    assert_clean(page)
