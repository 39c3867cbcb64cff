"""QUALITY S7: bad input gives a clear message and a 4xx (or a redirect back with the
message), never a 500, and changes nothing."""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework import actions
from casework.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseStatus,
    Consent,
    Document,
    Note,
    Offender,
    Province,
    SensitivityClass,
)
from tests.fixtures.personas import acting, make_case, sign_in

PDF = b"%PDF-1.4\n% bad input test\n%%EOF\n"


def client_for(user, agency=None):
    """Signed in, English messages, and a server error shows as a 500 status."""
    client = sign_in(user, agency)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    client.raise_request_exception = False
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_refusals(response) -> list[str]:
    """What a refused on-demand form's page (400, decision 330) says: the rule's reason at the
    top and each field's error beside the field."""
    assert response.status_code == 400, response.status_code
    page = response.content.decode()
    found = re.findall(r'data-testid="message">(.*?)</div>', page)
    found += re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', page)
    return [html.unescape(text) for text in found]


def field_block(html: str, name: str) -> str:
    """The rendered block of one form field (label, input, errors)."""
    start = html.find(f'<div class="mb-3 field-{name}">')
    assert start >= 0, f"field {name} not rendered"
    ends = [html.find(marker, start + 1) for marker in ('<div class="mb-3 field-', "</form>")]
    return html[start : min(end for end in ends if end > 0)]


def case_url(case, suffix: str = "") -> str:
    return f"/cases/{case.public_id}/{suffix}"


def timeline(case) -> int:
    return CaseEvent.objects.filter(case=case).count()


# The new-case wizard ---------------------------------------------------------------------------

PERSON = {
    "full_name": "Nguyễn Thị Hoa",
    "sex": "female",
    "birth_year": "2001",
    "phone": "0912 345 678",
    "home_address": "Bản Phố, Bắc Hà",
}


def facts(**changes) -> dict:
    data = {
        "came_to_notice": "border_handover",
        "received_at": (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "reception_province": Province.objects.get(code="LCA").pk,
        "reception_place": "Cửa khẩu Kim Thành",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"birth_year": "3000"}, "birth_year", "Enter a year between 1900 and this year."),
        ({"birth_year": "abc"}, "birth_year", "Enter a whole number."),
        ({"birth_date": "2000-02-31"}, "birth_date", "Enter a valid date."),
        ({"birth_date": "2999-01-01"}, "birth_date", "The date of birth cannot be in the future."),
        ({"sex": "robot"}, "sex", "Select a valid choice."),
        ({"document_number": "001203004567"}, "document_type", "Say which document the number belongs to."),
        ({"home_province": "999999"}, "home_province", "Select a valid choice."),
        ({"phone": "9" * 200}, "phone", "Ensure this value has at most 30 characters"),
        ({"phone": "abc-xyz-!!!"}, "phone", "Enter a telephone number"),
        ({"guardian_phone": "0912"}, "guardian_phone", "A telephone number has 8 to 15 digits."),
    ],
)
def test_invalid_person_step_is_400_with_messages_and_keeps_what_was_typed(world, changes, field, message):
    client = client_for(world.owner)
    cases = Case.objects.count()
    response = client.post("/cases/new/person/", {**PERSON, **changes})
    assert response.status_code == 400
    html = response.content.decode()
    block = field_block(html, field)
    assert message in block  # the message is next to its field
    assert 'aria-invalid="true"' in block
    assert 'value="Nguyễn Thị Hoa"' in field_block(html, "full_name")
    assert 'value="Bản Phố, Bắc Hà"' in field_block(html, "home_address")
    assert Case.objects.count() == cases


def test_empty_name_is_refused_with_a_message(world):
    response = client_for(world.owner).post("/cases/new/person/", {**PERSON, "full_name": "    "})
    assert response.status_code == 400
    assert "This field is required." in field_block(response.content.decode(), "full_name")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"received_at": (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
            "received_at",
            "The reception time cannot be in the future.",
        ),
        ({"received_at": "yesterday"}, "received_at", "Enter a valid date/time."),
        ({"absent_from": "2024-05-01", "absent_until": "2024-01-01"}, "absent_until", "before its start"),
        ({"reception_province": "LCA"}, "reception_province", "Select a valid choice."),
        ({"came_to_notice": "teleported"}, "came_to_notice", "Select a valid choice."),
        ({"exploitation_forms": ["999999"]}, "exploitation_forms", "Select a valid choice."),
        ({"exploitation_forms": ["abc"]}, "exploitation_forms", "is not a valid value"),
    ],
)
def test_invalid_facts_step_is_400_and_keeps_what_was_typed(world, changes, field, message):
    client = client_for(world.owner)
    assert client.post("/cases/new/person/", PERSON).status_code == 302
    response = client.post("/cases/new/facts/", facts(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in field_block(html, field)
    assert 'value="Cửa khẩu Kim Thành"' in field_block(html, "reception_place")


def test_going_back_and_forth_keeps_what_was_typed(world):
    client = client_for(world.owner)
    cases = Case.objects.count()
    response = client.post("/cases/new/person/", PERSON)
    assert response.status_code == 302 and response["Location"].endswith("/cases/new/facts/")

    # Half of step 2 typed (the date missing), then "Back".
    response = client.post(
        "/cases/new/facts/", {"reception_place": "Cửa khẩu Kim Thành", "route": "Hà Khẩu", "back": "1"}
    )
    assert response.status_code == 302 and response["Location"].endswith("/cases/new/person/")

    page = client.get("/cases/new/person/").content.decode()
    assert 'value="Nguyễn Thị Hoa"' in page
    assert 'value="0912 345 678"' in page

    # Forward again, with a mistake in step 1: still nothing lost.
    response = client.post("/cases/new/person/", {**PERSON, "birth_year": "1800"})
    assert response.status_code == 400
    assert client.post("/cases/new/person/", PERSON).status_code == 302
    page = client.get("/cases/new/facts/").content.decode()
    assert 'value="Cửa khẩu Kim Thành"' in page
    assert 'value="Hà Khẩu"' in page

    # The review step is only reachable once both steps are valid.
    response = client.get("/cases/new/review/")
    assert response.status_code == 302 and response["Location"].endswith("/cases/new/facts/")
    assert Case.objects.count() == cases


@pytest.mark.parametrize("path", ["/cases/new/nonsense/", "/cases/new/review/", "/cases/new/facts/?restart=abc"])
def test_wizard_urls_out_of_order_do_not_fail(world, path):
    response = client_for(world.owner).get(path)
    assert response.status_code in (200, 302)


def test_review_with_garbage_confirmation_does_not_create_a_duplicate(world):
    client = client_for(world.owner)
    # Same name, year and home province as world.case: a possible duplicate.
    person = {
        **PERSON,
        "full_name": "Nguyễn Thị Lan",
        "birth_year": "1999",
        "home_province": world.case.person.home_province_id,
    }
    assert client.post("/cases/new/person/", person).status_code == 302
    assert client.post("/cases/new/facts/", facts()).status_code == 302
    cases = Case.objects.count()
    response = client.post("/cases/new/review/", {"confirm_not_duplicate": ""})
    assert response.status_code == 400
    assert "Confirm that you checked the possible duplicates." in response.content.decode()
    assert Case.objects.count() == cases


# Status moves ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "supporting", "reason": "skip ahead"}, "cannot move from"),
        ({"status": "identified", "reason": "skip ahead"}, "cannot move from"),
        ({"status": "reported", "reason": "same again"}, "cannot move from"),
        ({"status": "teleported", "reason": "nonsense"}, "Select a valid choice"),
        ({"status": "", "reason": "nothing"}, "This field is required"),
        ({"status": "verifying", "reason": "   "}, "This field is required"),
        ({"status": "verifying", "reason": "x" * 2001}, "at most 2000 characters"),
        ({"status": ["verifying", "closed"], "reason": ""}, "This field is required"),
        ({}, "This field is required"),
    ],
)
def test_illegal_status_move_is_refused_and_changes_nothing(world, data, message):
    case = world.case
    events = timeline(case)
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = client_for(world.owner).post(case_url(case, "transition/"), data)
    assert response.status_code == 302
    assert response["Location"].startswith(case_url(case))
    assert any(message in text for text in messages_of(response)), messages_of(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED
    assert timeline(case) == events
    assert not AuditEvent.objects.filter(id__gt=mark, action=AuditEvent.Action.TRANSITION).exists()


def test_the_refusal_message_is_shown_on_the_case_page(world):
    response = client_for(world.owner).post(
        case_url(world.case, "transition/"), {"status": "supporting", "reason": "skip"}, follow=True
    )
    assert response.status_code == 200
    assert "A case cannot move from" in response.content.decode()


def test_reopen_of_an_open_case_is_refused(world):
    events = timeline(world.case)
    response = client_for(world.owner).post(case_url(world.case, "reopen/"), {"reason": "why not"})
    assert response.status_code == 302
    assert "Only a closed case can be reopened." in messages_of(response)
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.REPORTED
    assert timeline(world.case) == events


# Identification --------------------------------------------------------------------------------


@pytest.fixture
def identifying(world):
    owner = acting(world.owner)
    actions.do_transition_case(world.case, CaseStatus.VERIFYING, reason="check", actor=owner)
    actions.do_transition_case(world.case, CaseStatus.IDENTIFYING, reason="check", actor=owner)
    world.case.refresh_from_db()
    return world.case


def _identification(identified_on) -> dict:
    return {
        "outcome": "victim",
        "identified_on": identified_on,
        "authority": "Công an tỉnh Lào Cai",
        "document": "12/QĐ",
        "grounds": ["person_statement"],
        "reason": "statements",
    }


@pytest.mark.parametrize(
    ("identified_on", "message"),
    [
        (lambda case: timezone.localdate() + datetime.timedelta(days=1), "cannot be in the future"),
        (lambda case: timezone.localdate() + datetime.timedelta(days=4000), "cannot be in the future"),
        (
            lambda case: timezone.localdate(case.received_at) - datetime.timedelta(days=1),
            "before the person was received",
        ),
        (lambda case: datetime.date(1990, 1, 1), "before the person was received"),
        (lambda case: "2025-02-30", "Enter a valid date."),
        (lambda case: "", "This field is required."),
    ],
    ids=["tomorrow", "far-future", "before-reception", "long-ago", "no-such-day", "empty"],
)
def test_identification_with_an_impossible_date_is_refused(world, identifying, identified_on, message):
    case = identifying
    events = timeline(case)
    day = identified_on(case)
    response = client_for(world.owner).post(
        case_url(case, "identification/"), _identification(day.isoformat() if isinstance(day, datetime.date) else day)
    )
    assert any(message in text for text in form_refusals(response)), form_refusals(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.IDENTIFYING
    assert case.identified_on is None
    assert case.legal_regime == ""
    assert case.identification_authority == ""
    assert timeline(case) == events


def test_identification_outside_the_identification_step_is_refused(world):
    response = client_for(world.owner).post(
        case_url(world.case, "identification/"), _identification(timezone.localdate().isoformat())
    )
    assert form_refusals(response)
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.REPORTED
    assert world.case.identified_on is None


@pytest.mark.parametrize("outcome", ["maybe", ""])
def test_identification_with_an_unknown_outcome_is_refused(world, identifying, outcome):
    data = {**_identification(timezone.localdate().isoformat()), "outcome": outcome}
    response = client_for(world.owner).post(case_url(identifying, "identification/"), data)
    assert form_refusals(response)
    identifying.refresh_from_db()
    assert identifying.status == CaseStatus.IDENTIFYING


# Uploads ---------------------------------------------------------------------------------------


def _upload(client, case, name: str, content: bytes, content_type: str = "application/pdf", **extra):
    data = {
        "file": SimpleUploadedFile(name, content, content_type=content_type),
        "kind": "id_paper",
        "sensitivity": "identity",
        "title": "Giấy tờ",
    }
    data.update(extra)
    return client.post(case_url(case, "documents/"), data)


def test_oversized_upload_is_refused_with_the_reason(world, settings):
    settings.DOCUMENT_MAX_BYTES = 1_048_576
    events = timeline(world.case)
    response = _upload(client_for(world.owner), world.case, "big.pdf", PDF + b"0" * 1_100_000)
    texts = form_refusals(response)
    assert any("too large" in text and "1 MB" in text for text in texts), texts
    assert not Document.objects.exists()
    assert timeline(world.case) == events


def test_oversized_upload_is_refused_even_with_a_tiny_limit(world, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    response = _upload(client_for(world.owner), world.case, "small.pdf", PDF + b"0" * 200)
    assert any("too large" in text for text in form_refusals(response)), form_refusals(response)
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "application/x-msdownload"),
        ("scan.pdf", b"this is plain text, not a PDF at all", "application/pdf"),
        ("photo.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("scan.pdf", b"%PD", "application/pdf"),
    ],
    ids=["exe", "text-named-pdf", "html-named-png", "truncated-signature"],
)
def test_wrong_file_type_is_refused_with_the_reason(world, name, content, content_type):
    events = timeline(world.case)
    response = _upload(client_for(world.owner), world.case, name, content, content_type)
    assert "Only PDF, PNG and JPEG files can be uploaded." in form_refusals(response)
    # What was typed is kept: the title and the kind are chosen already (the file is not).
    page = response.content.decode()
    assert "Only PDF, PNG and JPEG files can be uploaded." in field_block(page, "file")  # beside the file
    assert 'value="Giấy tờ"' in field_block(page, "title")
    assert 'value="id_paper" selected' in field_block(page, "kind")
    assert not Document.objects.exists()
    assert timeline(world.case) == events


@pytest.mark.parametrize(
    "extra",
    [
        {"kind": "passport_photo_of_the_trafficker"},
        {"sensitivity": "secret"},
        {"title": "t" * 500},
    ],
)
def test_upload_with_bad_fields_is_refused(world, extra):
    response = _upload(client_for(world.owner), world.case, "scan.pdf", PDF, **extra)
    assert form_refusals(response)
    assert not Document.objects.exists()


def test_empty_or_missing_file_is_refused(world):
    client = client_for(world.owner)
    assert form_refusals(_upload(client, world.case, "empty.pdf", b""))
    response = client.post(case_url(world.case, "documents/"), {"kind": "other", "sensitivity": "core"})
    assert form_refusals(response)
    assert not Document.objects.exists()


# Query strings on the case list ----------------------------------------------------------------


def results(response) -> str:
    html = response.content.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "1.5"},
        {"page": "99999999999999999999999"},
        {"page": ""},
        {"status": "nonsense"},
        {"status": "'; DROP TABLE casework_case; --"},
        {"province": "999999"},
        {"province": "LCA"},
        {"province": "-5"},
        {"agency": "x"},
        {"agency": "999999"},
        {"agency": "1e3"},
        {"q": "nguyen " * 2000},
        {"q": "LCA-" + "9" * 5000},
        {"q": "nguyen\x00thi"},
        {"mine": "maybe"},
        {"children": "", "overdue": ""},
    ],
    ids=lambda query: "-".join(f"{key}={value[:12]!r}" for key, value in query.items()),
)
def test_malformed_list_filters_are_left_out(world, query):
    response = client_for(world.owner).get("/", query)
    # The bad filter is dropped, so the owner's case is still listed; a refused one is said above
    # the rows, with a 400 (decision 334); an empty or any-text flag is no refusal.
    assert world.case.reference in results(response)
    refused = set(query) - {"mine", "children", "overdue"} and any(query.values())
    assert response.status_code == (400 if refused else 200)
    assert ('data-testid="ignored-filters"' in response.content.decode()) == bool(refused)


@pytest.mark.parametrize("query", ["%", "_", "%_%", "\\", "' OR '1'='1"])
def test_search_wildcards_are_taken_literally(world, query):
    response = client_for(world.owner).get("/", {"q": query})
    assert response.status_code == 200
    assert world.case.reference not in results(response)


def test_a_valid_filter_next_to_a_bad_one_still_applies(world):
    other = make_case(world.police, acting(world.owner), name="Đặng Thị Mai", birth_year=2002)
    actions.do_transition_case(other, CaseStatus.VERIFYING, reason="check", actor=world.owner)
    response = client_for(world.owner).get("/", {"status": "verifying", "page": "abc", "province": "x"})
    assert response.status_code == 400
    assert len(response.context["ignored_filters"]) == 2
    rows = results(response)
    assert other.reference in rows
    assert world.case.reference not in rows


def test_a_page_past_the_end_is_empty_not_an_error(world):
    response = client_for(world.owner).get("/", {"page": "100000"})
    assert response.status_code == 200
    assert world.case.reference not in results(response)


def test_htmx_list_with_bad_filters_is_a_partial(world):
    response = client_for(world.owner).get("/", {"page": "x", "status": "y"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400  # htmx swaps a 400 (base.html's htmx-config)
    assert 'data-testid="ignored-filters"' in response.content.decode()
    assert "<html" not in response.content.decode().lower()
    assert world.case.reference in response.content.decode()


# Consent ---------------------------------------------------------------------------------------


@pytest.fixture
def consent(world):
    return actions.do_record_consent(
        world.case,
        Consent(given_by="person", classes=["core", "shelter"], purpose="placement", given_on=timezone.localdate()),
        actor=world.owner,
    )


@pytest.mark.parametrize(
    "value",
    ["abc", "", "1; DROP TABLE casework_consent", "-1", "1.0", "99999999999999999999999", "²", " 1"],
    ids=["letters", "empty", "sql", "negative", "decimal", "huge", "superscript-two", "space"],
)
def test_withdraw_with_a_malformed_consent_id_is_handled(world, consent, value):
    events = timeline(world.case)
    response = client_for(world.owner).post(
        case_url(world.case, "consents/withdraw/"), {"consent": value, "reason": "changed her mind"}
    )
    assert response.status_code == 302
    assert "That consent record does not exist." in messages_of(response)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert timeline(world.case) == events


def test_withdraw_without_a_consent_field_is_handled(world, consent):
    response = client_for(world.owner).post(case_url(world.case, "consents/withdraw/"), {"reason": "x"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_withdraw_of_a_consent_of_another_case_is_refused(world, consent):
    other = make_case(world.police, acting(world.owner), name="Đặng Thị Mai", birth_year=2002)
    response = client_for(world.owner).post(
        case_url(other, "consents/withdraw/"), {"consent": consent.pk, "reason": "wrong case"}
    )
    assert response.status_code == 302
    assert "That consent record does not exist." in messages_of(response)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_withdraw_twice_is_refused(world, consent):
    client = client_for(world.owner)
    url = case_url(world.case, "consents/withdraw/")
    assert client.post(url, {"consent": consent.pk, "reason": "first"}).status_code == 302
    response = client.post(url, {"consent": consent.pk, "reason": "second"})
    assert response.status_code == 302
    assert "This consent was already withdrawn." in messages_of(response)
    consent.refresh_from_db()
    assert consent.withdrawal_reason == "first"


@pytest.mark.parametrize(
    "changes",
    [
        {"given_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()},
        {"given_on": "not a date"},
        {"classes": ["secret"]},
        {"classes": []},
        {"given_by": "the neighbour"},
        {"given_by": "representative", "representative_name": "  "},
        {"agency": "abc"},
        {"agency_kind": "999999"},
        {"purpose": ""},
    ],
)
def test_bad_consent_is_refused(world, changes):
    data = {
        "given_by": "person",
        "classes": ["core"],
        "purpose": "placement",
        "given_on": timezone.localdate().isoformat(),
    }
    data.update(changes)
    response = client_for(world.owner).post(case_url(world.case, "consents/"), data)
    assert form_refusals(response)
    assert not Consent.objects.exists()


def test_a_rule_about_one_field_is_said_beside_that_field(world):
    """A future consent date is refused by the action's rule, not the form; the message is
    shown beside the date, which is marked invalid, not only at the top (a tester)."""
    data = {"given_by": "person", "classes": ["core"], "purpose": "placement"}
    data["given_on"] = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client_for(world.owner).post(case_url(world.case, "consents/"), data)
    assert form_refusals(response) == ["Consent cannot be dated in the future."]
    block = field_block(response.content.decode(), "given_on")
    assert "Consent cannot be dated in the future." in block and 'aria-invalid="true"' in block
    assert 'data-testid="message"' not in response.content.decode()
    refused = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, case=world.case)
    assert refused.detail == {"action": "record_consent", "reason": "Consent cannot be dated in the future."}
    # The page names the case: a view of it, as the form's own page is.
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, case=world.case, detail={"form": "consents"}
    ).exists()
    assert not Consent.objects.exists()


# Other change endpoints with garbage -----------------------------------------------------------

GARBAGE = [
    {},
    {"user": "abc", "body": "", "sensitivity": "secret", "birth_year": "x", "reason": ""},
    {"user": "-1", "body": "\x00", "sensitivity": "", "nationality": "zz", "sex": "robot"},
    {"user": "99999999999999999999999", "body": "   ", "sensitivity": ["core", "identity"], "relation_to_victim": "?"},
]


@pytest.mark.parametrize("endpoint", ["assign/", "notes/", "offenders/", "reopen/", "identification/"])
@pytest.mark.parametrize("data", GARBAGE, ids=["empty", "letters", "negative", "huge"])
def test_garbage_posts_change_nothing(world, endpoint, data):
    case = world.case
    events = timeline(case)
    response = client_for(world.owner).post(case_url(case, endpoint), data)
    if endpoint in ("notes/", "reopen/"):  # a form of the case page itself: back to it
        assert response.status_code == 302, response.status_code
        assert messages_of(response)
    else:  # an on-demand form: its page again (decision 330)
        assert form_refusals(response)
    case.refresh_from_db()
    assert case.assigned_to == world.owner
    assert case.status == CaseStatus.REPORTED
    assert Note.objects.filter(case=case).count() == 0
    assert Offender.objects.count() == 0
    assert timeline(case) == events


def test_assigning_someone_outside_the_owning_agency_is_refused(world):
    response = client_for(world.owner).post(case_url(world.case, "assign/"), {"user": world.outsider.pk})
    assert any("Select a valid choice" in text for text in form_refusals(response))
    world.case.refresh_from_db()
    assert world.case.assigned_to == world.owner


@pytest.mark.parametrize("sensitivity", ["investigation", "health", "support"])
def test_writing_in_a_class_the_user_may_not_see_is_refused(world, sensitivity):
    """The union's shelter staff may change the case but only see `core`: posting a note or
    a document in another class by hand is refused."""
    actions.grant_case(
        world.case,
        group=world.union.role_groups.get(role="shelter_staff").group,
        classes=[SensitivityClass.CORE],
        can_change=True,
        source="referral",
        source_ref="R-TEST-3",
        purpose="shelter_placement",
        actor=world.owner,
    )
    client = client_for(world.outsider)
    events = timeline(world.case)
    response = client.post(case_url(world.case, "notes/"), {"body": "hidden", "sensitivity": sensitivity})
    assert response.status_code == 302
    assert any("Select a valid choice" in text for text in messages_of(response)), messages_of(response)
    response = _upload(client, world.case, "scan.pdf", PDF, sensitivity=sensitivity)
    assert any("Select a valid choice" in text for text in form_refusals(response))
    assert not Note.objects.filter(case=world.case).exists()
    assert not Document.objects.exists()
    assert timeline(world.case) == events
    # A core note is accepted, so the refusals above are about the class.
    assert client.post(case_url(world.case, "notes/"), {"body": "ok", "sensitivity": "core"}).status_code == 302
    assert Note.objects.filter(case=world.case, sensitivity="core").count() == 1


def test_offender_before_incident_is_refused(world):
    data = {"full_name": "B", "sex": "male", "role_in_process": "Recruiter", "relation_to_victim": "Stranger"}
    response = client_for(world.owner).post(case_url(world.case, "offenders/"), data)
    assert "Link the case to an incident before recording offenders." in form_refusals(response)
    assert 'value="Recruiter"' in response.content.decode()  # what was typed is kept
    assert not Offender.objects.exists()


def test_a_second_incident_is_refused(world):
    client = client_for(world.owner)
    assert client.post(case_url(world.case, "incident/"), {"summary": "first"}).status_code == 302
    world.case.refresh_from_db()
    first = world.case.incident_id
    response = client.post(case_url(world.case, "incident/"), {"summary": "second"})
    assert response.status_code == 302
    assert "The case is already linked to an incident." in messages_of(response)
    world.case.refresh_from_db()
    assert world.case.incident_id == first


# The agency chooser has the same id check as the consent withdrawal -----------------------------


@pytest.mark.parametrize(
    "value", ["abc", "", "²", "99999999999999999999999"], ids=["letters", "empty", "superscript-two", "huge"]
)
def test_choose_agency_with_a_malformed_membership_is_400(world, value):
    response = client_for(world.owner).post("/agency/", {"membership": value})
    assert response.status_code == 400
    assert "Choose one of your agencies." in response.content.decode()
