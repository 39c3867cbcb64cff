"""Idle timeout that means idle: the facility page's polling does not keep a session alive."""

from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from casework.models import AuditEvent
from shelters import actions
from tests.fixtures.personas import acting, sign_in
from tests.fixtures.shelters import new_case, place

pytestmark = pytest.mark.django_db

NAME = "Lò Thị Mai"
POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_CAUNOI_BACKGROUND": "1"}


def admitted(w):
    case = new_case(w.social, w.social_worker, name=NAME)
    place(case, w)
    return actions.do_admit_from_placement(
        case, facility=w.facility, planned_end=w.in_months(3), actor=acting(w.shelter_worker)
    )


def idle_logouts(user):
    return AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=user, detail__reason="idle").count()


def poll_until(traveller, client, url, minutes):
    """Poll every 30 s for `minutes`; return the responses."""
    responses = []
    for _ in range(minutes * 2):
        traveller.shift(30)
        responses.append(client.get(url, **POLL))
    return responses


def test_polling_for_31_minutes_does_not_keep_the_session_alive(shelter_world):
    w = shelter_world
    admitted(w)
    facility = reverse("shelters:facility", args=[w.facility.code])
    beds = reverse("shelters:beds", args=[w.facility.code])
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client = sign_in(w.shelter_worker)
        page = client.get(facility)
        assert page.status_code == 200 and NAME in page.content.decode()
        assert 'data-idle-seconds="1800"' in page.content.decode()
        key = client.session.session_key
        expiry = Session.objects.get(session_key=key).expire_date

        # 60 polls within the 30 minutes are served, and never renew the stored session.
        assert {response.status_code for response in poll_until(traveller, client, beds, 30)} == {200}
        assert Session.objects.get(session_key=key).expire_date == expiry
        # The one after the limit ends the session.
        ended = poll_until(traveller, client, beds, 1)[0]
        assert ended.status_code == 286
        assert ended.content == b"" and ended["HX-Redirect"] == reverse("casework:login")
        assert not Session.objects.filter(session_key=key).exists()
        assert idle_logouts(w.shelter_worker) == 1
        # Flushed: the next poll stops too, and the page asks for sign-in without names.
        again = client.get(beds, **POLL)
        assert again.status_code == 286 and again.content == b""
        page = client.get(facility, follow=True)
        assert page.redirect_chain[0][1] == 302
        assert NAME not in page.content.decode()
        assert idle_logouts(w.shelter_worker) == 1


def test_a_user_action_resets_the_idle_clock(shelter_world):
    w = shelter_world
    admitted(w)
    facility = reverse("shelters:facility", args=[w.facility.code])
    beds = reverse("shelters:beds", args=[w.facility.code])
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client = sign_in(w.shelter_worker)
        client.get(facility)
        assert {r.status_code for r in poll_until(traveller, client, beds, 20)} == {200}
        # A user action at 20 minutes (opening the page again) restarts the 30 minutes.
        assert NAME in client.get(facility).content.decode()
        assert {r.status_code for r in poll_until(traveller, client, beds, 30)} == {200}
        assert client.get(beds, HTTP_HX_REQUEST="true").status_code == 200  # a user's htmx request
        responses = poll_until(traveller, client, beds, 31)
        assert [r.status_code for r in responses][59:61] == [200, 286]
        assert idle_logouts(w.shelter_worker) == 1


def test_an_ordinary_request_after_the_limit_gets_the_sign_in_page(shelter_world):
    w = shelter_world
    admitted(w)
    facility = reverse("shelters:facility", args=[w.facility.code])
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client = sign_in(w.shelter_worker)
        client.get(facility)
        traveller.shift(settings.SESSION_IDLE_SECONDS + 1)
        response = client.get(facility)
        # The sign-in page keeps where the user was, to return there (decision 197).
        assert response.status_code == 302
        assert response["Location"] == reverse("casework:login") + "?next=" + quote(facility, safe="")
        assert idle_logouts(w.shelter_worker) == 1
        assert "_auth_user_id" not in client.session


def test_a_poll_without_a_session_stops_polling(shelter_world):
    beds = reverse("shelters:beds", args=[shelter_world.facility.code])
    response = Client().get(beds, **POLL)
    assert response.status_code == 286 and response.content == b""


def test_the_idle_script_is_served_from_our_own_static_files(shelter_world):
    page = sign_in(shelter_world.shelter_worker).get(reverse("shelters:facility", args=[shelter_world.facility.code]))
    html = page.content.decode()
    assert 'src="/static/js/idle.js"' in html
    assert "<script>" not in html and "script-src 'self'" in page["Content-Security-Policy"]
    assert 'hx-headers=\'{"X-CauNoi-Background": "1"}\'' in html


def test_polling_after_the_absolute_limit_stops_too_and_is_audited(shelter_world):
    w = shelter_world
    beds = reverse("shelters:beds", args=[w.facility.code])
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client = sign_in(w.shelter_worker)
        # Active all day: a user action every 20 minutes, polls in between.
        for _ in range(settings.SESSION_ABSOLUTE_SECONDS // (20 * 60)):
            traveller.shift(20 * 60)
            assert client.get(beds, HTTP_HX_REQUEST="true").status_code == 200
        traveller.shift(30)
        response = client.get(beds, **POLL)
        assert response.status_code == 286 and response.content == b""
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.LOGOUT, actor=w.shelter_worker, detail__reason="absolute"
        ).exists()
