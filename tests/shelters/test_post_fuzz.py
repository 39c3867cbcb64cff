"""Issue 17, decision 177: every POST form on the case page, the stay page and the referral
page, read from the page as its user sees it, is sent back with a NUL byte in each field and
with a 30-digit number in each choice or number field: the answer is a 4xx with the form, never
a server error, and no NUL byte is stored. (The forms themselves: tests/casework/test_form_fuzz.py.)"""

import json
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from casework.models import AuditEvent, CaseEvent, Note
from shelters import actions
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.shelters import new_case, place

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
NUL = "\x00"


class Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, value, kind) as a browser sends them."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or ("post" if attrs.get("hx-post") else "get")).lower()
            action = attrs.get("hx-post") or attrs.get("action") or self.page_url
            self.current = {"action": action, "fields": []} if method == "post" else None
            if self.current is not None:
                self.forms.append(self.current)
        elif self.current is None or not attrs.get("name") or attrs["name"] == "csrfmiddlewaretoken":
            return
        elif tag == "input" and (attrs.get("type") or "text") not in ("submit", "button", "file", "reset"):
            kind = attrs.get("type") or "text"
            if kind in ("checkbox", "radio") and "checked" not in attrs and kind == "radio":
                self.current["fields"].append((attrs["name"], attrs.get("value") or "", "choice-option"))
                return
            choice = kind in ("radio", "number") or (
                kind == "checkbox" and attrs.get("value") not in (None, "on", "true")
            )
            if kind == "checkbox" and not choice:
                return  # a check box is on or off
            if kind == "checkbox" and "checked" not in attrs:
                self.current["fields"].append((attrs["name"], attrs.get("value") or "", "choice-option"))
                return
            value = attrs.get("value") or ""
            if kind == "hidden" and value.isdigit():
                choice = True
            self.current["fields"].append((attrs["name"], value, "choice" if choice else "text"))
        elif tag == "textarea":
            self.current["fields"].append((attrs["name"], "", "text"))
        elif tag == "select":
            self.select = attrs["name"]
            self.current["fields"].append((attrs["name"], "", "choice"))
        elif tag == "option" and self.select and "selected" in attrs:
            fields = self.current["fields"]
            name, _value, kind = fields[-1]
            fields[-1] = (name, attrs.get("value") or "", kind)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def post_forms(client, page_url: str) -> list[dict]:
    response = client.get(page_url)
    assert response.status_code == 200, page_url
    parser = Forms(page_url)
    parser.feed(response.content.decode())
    # The header's language switch and sign-out are Django's and the session's, not the page's.
    outside = (reverse("set_language"), reverse("casework:logout"))
    return [form for form in parser.forms if form["fields"] and form["action"] not in outside]


def base_data(form) -> dict:
    data: dict[str, list[str]] = {}
    for name, value, kind in form["fields"]:
        if kind != "choice-option":
            data.setdefault(name, []).append(value)
    return data


def variants(form):
    """(field, what, data) for every field: a NUL byte added; a huge number in a choice."""
    names = {(name, kind) for name, _value, kind in form["fields"]}
    for name, kind in sorted(names):
        data = base_data(form)
        values = data.get(name) or [""]
        yield name, "nul", data | {name: [value + NUL + "x" for value in values]}
        if kind in ("choice", "choice-option"):
            yield name, "huge", data | {name: [HUGE]}


def refused_back(response, page_url: str) -> bool:
    """The case page's section forms answer bad input as every section action does (QUALITY
    S7): back to the page, the refusal in an error message, nothing recorded."""
    errors = [message for message in get_messages(response.wsgi_request) if message.level == messages.ERROR]
    return response.status_code == 302 and response.url.split("?")[0].split("#")[0] == page_url and bool(errors)


def fuzz(client, page_url: str) -> list[str]:
    """Every variant of every POST form of the page; the answers that were not a 4xx."""
    wrong = []
    forms = post_forms(client, page_url)
    assert forms, f"no POST form on {page_url}"
    print(
        f"\n{page_url}: "
        + ", ".join(f"{form['action'].rstrip('/').rsplit('/', 1)[-1]} ({len(form['fields'])})" for form in forms)
    )
    for form in forms:
        for name, what, data in variants(form):
            for htmx in (False, True):
                headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
                response = client.post(form["action"], data, **headers)
                if not (400 <= response.status_code < 500 or refused_back(response, page_url)):
                    wrong.append(f"{form['action']} {name} {what} htmx={htmx}: {response.status_code}")
    return wrong


def no_nul_stored():
    """Looked at in Python: SQLite cuts a LIKE pattern at a NUL byte (it would match all)."""
    assert not any(NUL in body for body in Note.objects.values_list("body", flat=True))
    assert not any(NUL in (reason or "") for reason in CaseEvent.objects.values_list("reason", flat=True))
    assert not any("\\u0000" in json.dumps(detail) for detail in AuditEvent.objects.values_list("detail", flat=True))


def client_for(user):
    client = sign_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.raise_request_exception = False
    return client


@pytest.fixture
def stay(shelter_world):
    case = new_case(shelter_world.social, shelter_world.social_worker)
    place(case, shelter_world)
    return actions.do_admit_from_placement(
        case, facility=shelter_world.facility, planned_end=shelter_world.in_months(3),
        actor=acting(shelter_world.shelter_worker),
    )  # fmt: skip


def test_every_post_form_of_the_case_page_answers_4xx_to_nul_and_huge_numbers(shelter_world):
    case = shelter_world.case
    wrong = fuzz(client_for(shelter_world.owner), reverse("casework:case-detail", args=[case.public_id]))
    assert wrong == [], "\n".join(wrong)
    no_nul_stored()


def test_every_post_form_of_the_stay_page_answers_4xx_to_nul_and_huge_numbers(shelter_world, stay):
    wrong = fuzz(client_for(shelter_world.shelter_worker), reverse("shelters:stay", args=[stay.public_id]))
    assert wrong == [], "\n".join(wrong)
    no_nul_stored()


@pytest.mark.parametrize("side", ["sender", "receiver"])
def test_every_post_form_of_the_referral_page_answers_4xx_to_nul_and_huge_numbers(shelter_world, side):
    from referrals.actions import do_acknowledge_referral, do_send_referral
    from referrals.models import ReferralPurpose

    case = new_case(shelter_world.social, shelter_world.social_worker)
    referral = do_send_referral(
        case,
        purpose=ReferralPurpose.objects.get(code="shelter_placement"),
        to_agency=shelter_world.facility.agency,
        from_agency=shelter_world.social,
        actor=acting(shelter_world.social_worker),
    )
    if side == "receiver":
        do_acknowledge_referral(referral, actor=acting(shelter_world.shelter_worker))
    user = shelter_world.social_worker if side == "sender" else shelter_world.shelter_worker
    wrong = fuzz(client_for(user), reverse("referrals:detail", args=[referral.public_id]))
    assert wrong == [], "\n".join(wrong)
    referral.refresh_from_db()
    assert referral.status == ("received" if side == "receiver" else "sent")  # nothing else happened
    no_nul_stored()
    assert connection.vendor in ("sqlite", "postgresql")
