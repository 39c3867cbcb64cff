"""Requests refused before or around a view get a page in the user's language, never Django's
bare English one (a tester met "Bad Request (400)", "CSRF verification failed" and an empty
405 that the browser showed as its own error)."""

from django.test import Client

from tests.fixtures.personas import sign_in


def _note_url(case) -> str:
    return f"/cases/{case.public_id}/notes/"


def test_a_form_beyond_the_size_limit_is_a_413_in_vietnamese(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    client = sign_in(world.owner)
    response = client.post(_note_url(world.case), {"body": "x" * 5000, "sensitivity": "core"})
    assert response.status_code == 413
    content = response.content.decode()
    assert "Dữ liệu gửi quá lớn" in content and 'data-testid="bad-request"' in content
    assert world.case.notes.count() == 0


def test_under_htmx_a_refused_request_is_never_a_400_that_would_be_swapped_in(world, settings):
    """base.html's htmx-config swaps a form's 400 into the page (its errors); a request Django
    refused is not a form's answer and must not replace what the user typed."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    client = sign_in(world.owner)
    too_large = client.post(_note_url(world.case), {"body": "x" * 5000}, HTTP_HX_REQUEST="true")
    assert too_large.status_code == 413
    too_many = client.post(_note_url(world.case), {f"f{n}": "1" for n in range(10)}, HTTP_HX_REQUEST="true")
    assert too_many.status_code == 422
    plain = client.post(_note_url(world.case), {f"f{n}": "1" for n in range(10)})
    assert plain.status_code == 400 and "Yêu cầu không được chấp nhận" in plain.content.decode()


def test_an_expired_form_token_says_so_in_vietnamese(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    signed_in = sign_in(world.owner)
    client.cookies = signed_in.cookies
    response = client.post(_note_url(world.case), {"body": "Ghi chú", "csrfmiddlewaretoken": "stale" * 8})
    assert response.status_code == 403
    content = response.content.decode()
    assert "Biểu mẫu đã hết hạn" in content and "CSRF verification failed" not in content
    assert response["X-Form-Expired"] == "1"  # under htmx app.js says the form expired
    assert world.case.notes.count() == 0


def test_a_stale_sign_in_form_leads_on_rather_than_to_the_expired_page(world):
    """A sign-in form opened before signing in in another tab: its token was rotated by that
    sign-in. Signed in already, it goes where the form was going; otherwise to a fresh form."""
    stale = {"username": world.owner.username, "password": "x", "next": "/inbox/", "csrfmiddlewaretoken": "stale" * 8}
    client = Client(enforce_csrf_checks=True)
    client.cookies = sign_in(world.owner).cookies  # the other tab's sign-in
    client.get("/")  # and its CSRF cookie, newer than the stale form's token
    response = client.post("/sign-in/", stale)
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    # Another account typed into the stale form is not followed (its password is not checked):
    # a page says who this browser is signed in as and offers to sign out.
    response = client.post("/sign-in/", {**stale, "username": world.colleague.username})
    assert response.status_code == 409
    page = response.content.decode()
    assert f"Trình duyệt này đang đăng nhập bằng tài khoản {world.owner.username}" in page
    assert 'action="/sign-out/"' in page
    assert world.colleague.username not in page

    anonymous = Client(enforce_csrf_checks=True)
    anonymous.get("/sign-in/")  # its CSRF cookie; the form's token below is an older one
    response = anonymous.post("/sign-in/", {**stale, "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    page = anonymous.get(response["Location"]).content.decode()
    assert "Trang đăng nhập đã mở quá lâu" in page
    response = anonymous.post("/sign-in/", stale)
    assert response["Location"] == "/sign-in/?next=%2Finbox%2F"


def test_a_sign_in_refused_for_its_origin_or_cookie_is_not_taken_for_a_stale_form(db):
    """A refused Origin (a proxy or CSRF_TRUSTED_ORIGINS set wrong) or a browser that keeps no
    cookie would loop on a fresh sign-in form: they get the 403 page, logged as such."""
    data = {"username": "someone", "password": "x", "csrfmiddlewaretoken": "stale" * 8}
    foreign = Client(enforce_csrf_checks=True).post("/sign-in/", data, HTTP_ORIGIN="https://elsewhere.example")
    assert foreign.status_code == 403
    without_cookie = Client(enforce_csrf_checks=True)
    without_cookie.cookies.clear()
    assert without_cookie.post("/sign-in/", data).status_code == 403


def test_a_save_only_address_opened_in_the_browser_gets_a_page(world):
    client = sign_in(world.owner)
    response = client.get(_note_url(world.case))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Địa chỉ này chỉ dùng để lưu biểu mẫu" in response.content.decode()


def test_a_request_refused_before_any_middleware_ran_gets_the_page_too(db):
    """A Host outside ALLOWED_HOSTS is refused before the session or the user are known: the
    page renders without them (no 500 from the error page itself)."""
    response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Yêu cầu không được chấp nhận" in response.content.decode()
