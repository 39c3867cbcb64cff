"""Drafts that survive (issue 16): the new-case wizard keeps what was typed on the server, per
user, so a session that ends mid-wizard loses nothing (decisions 196 and 197)."""

import datetime
import json
import logging
from urllib.parse import quote

import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from casework import actions, drafts
from casework.models import AuditEvent, Case, Draft, Role
from casework.tasks import purge_drafts
from tests.casework.test_new_case_wizard import facts_step, person_step
from tests.fixtures.personas import PASSWORD, make_user, sign_in

KEPT = "Bản nháp của bạn đã được giữ lại"
NAME = "Lò Thị Sua"


def sign_in_again(next_url: str, username: str = "owner") -> Client:
    """A fresh browser session signing in through the real form, as after an expiry."""
    client = Client()
    response = client.post(f"/sign-in/?next={quote(next_url, safe='')}", {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == next_url
    return client


def draft_audit(user, event: str):
    return AuditEvent.objects.filter(actor=user, object_type="draft", detail__event=event)


def test_the_draft_survives_a_flushed_session_and_the_user_lands_back_on_the_step_with_a_message(world):
    client = sign_in(world.owner)
    assert client.post("/cases/new/person/", person_step(full_name=NAME)).status_code == 302
    draft = Draft.objects.get(user=world.owner)
    assert draft.payload["step"] == "facts" and draft.payload["person"]["full_name"] == [NAME]
    assert draft.agency == world.police and draft.case is None
    # Nothing of the wizard is in the session any more.
    assert NAME not in json.dumps(dict(client.session.items()), ensure_ascii=False)

    client.session.flush()  # the session ended
    assert client.get("/cases/new/facts/")["Location"] == "/sign-in/?next=/cases/new/facts/"

    again = sign_in_again("/cases/new/facts/")
    page = again.get("/cases/new/facts/")
    assert page.status_code == 200
    html = page.content.decode()
    assert KEPT in html and 'data-restore-typed="true"' in html and 'data-testid="wizard-draft"' in html
    # The first step still holds its values.
    assert f'value="{NAME}"' in again.get("/cases/new/person/").content.decode()
    assert draft_audit(world.owner, "resumed").count() == 1
    # Said once per sitting, not on every page.
    assert KEPT not in again.get("/cases/new/facts/").content.decode()
    assert draft_audit(world.owner, "resumed").count() == 1


def test_the_new_case_menu_continues_the_draft_where_it_was_left(world):
    client = sign_in(world.owner)
    client.post("/cases/new/person/", person_step())
    client.post("/cases/new/facts/", facts_step())
    again = sign_in_again("/today/")
    response = again.get("/cases/new/", follow=True)
    assert response.redirect_chain[-1][0] == "/cases/new/review/"
    assert KEPT in response.content.decode() and NAME in response.content.decode()


def test_a_wizard_step_posted_after_the_idle_limit_returns_to_the_form_after_sign_in(world):
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client = sign_in(world.owner)
        client.post("/cases/new/person/", person_step())
        traveller.shift(settings.SESSION_IDLE_SECONDS + 1)
        # The facts step is sent after the session ended: it is not saved, and the user is told so.
        ended = client.post("/cases/new/facts/", facts_step(), HTTP_REFERER="http://testserver/cases/new/facts/")
        assert ended.status_code == 302
        assert ended["Location"] == "/sign-in/?next=%2Fcases%2Fnew%2Ffacts%2F"
        sign_in_page = client.get(ended["Location"]).content.decode()
        assert "Phiên làm việc đã kết thúc trước khi nội dung này được lưu" in sign_in_page
        assert 'name="next" value="/cases/new/facts/"' in sign_in_page
        response = client.post(ended["Location"], {"username": "owner", "password": PASSWORD})
        assert response["Location"] == "/cases/new/facts/"
        page = client.get("/cases/new/facts/").content.decode()
    # Back on the step: the script puts back what this browser kept (data-restore-typed), and
    # the first step is in the draft.
    assert KEPT in page and 'data-restore-typed="true"' in page
    assert f'data-keep-typed="{world.owner.pk}:new-case:facts"' in page
    assert Draft.objects.get(user=world.owner).payload["person"]["full_name"] == [NAME]


def test_an_htmx_request_after_the_limit_returns_to_the_page_it_came_from(world):
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client = sign_in(world.owner)
        traveller.shift(settings.SESSION_IDLE_SECONDS + 1)
        response = client.get(
            "/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/cases/new/person/?x=1"
        )
    assert response.status_code == 286
    assert response["HX-Redirect"] == "/sign-in/?next=%2Fcases%2Fnew%2Fperson%2F%3Fx%3D1"


def test_several_agencies_the_chooser_passes_the_next_page_on(world):
    actions.do_add_membership(world.owner, world.union, Role.CASEWORKER, actor=None)
    client = Client()
    response = client.post("/sign-in/?next=/cases/new/facts/", {"username": "owner", "password": PASSWORD})
    assert response["Location"] == "/agency/?next=%2Fcases%2Fnew%2Ffacts%2F"
    chooser = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/cases/new/facts/"' in chooser
    membership = world.owner.memberships.get(agency=world.police)
    chosen = client.post(response["Location"], {"membership": membership.pk})
    assert chosen["Location"] == "/cases/new/facts/"


def test_a_draft_is_invisible_to_another_user(world):
    client = sign_in(world.owner)
    client.post("/cases/new/person/", person_step())
    draft = Draft.objects.get(user=world.owner)
    assert client.get(f"/drafts/{draft.public_id}/")["Location"] == "/cases/new/facts/"

    colleague = sign_in(world.colleague)  # same agency, same role
    assert colleague.get(f"/drafts/{draft.public_id}/").status_code == 404
    assert colleague.post(f"/drafts/{draft.public_id}/discard/").status_code == 404
    assert Draft.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(actor=world.colleague, action=AuditEvent.Action.DENIED).count() == 2
    # The colleague's wizard is empty: the owner's draft is not theirs.
    page = colleague.get("/cases/new/person/").content.decode()
    assert NAME not in page and KEPT not in page


def test_a_draft_of_another_agency_is_not_continued(world):
    actions.do_add_membership(world.owner, world.union, Role.CASEWORKER, actor=None)
    client = sign_in(world.owner, agency=world.police)
    client.post("/cases/new/person/", person_step())
    draft = Draft.objects.get(user=world.owner)
    elsewhere = sign_in(world.owner, agency=world.union)
    assert elsewhere.get(f"/drafts/{draft.public_id}/").status_code == 404
    assert NAME not in elsewhere.get("/cases/new/person/").content.decode()


def test_completion_deletes_the_draft_and_the_audit_holds_no_values(world, caplog):
    caplog.set_level(logging.DEBUG)
    client = sign_in(world.owner)
    client.post("/cases/new/person/", person_step(document_type="cccd", document_number="012345678901"))
    client.post("/cases/new/facts/", facts_step())
    assert Draft.objects.filter(user=world.owner).count() == 1
    response = client.post("/cases/new/review/", {"create": "1"})
    case = Case.objects.get(person__full_name=NAME)
    assert response["Location"] == f"/cases/{case.public_id}/"
    assert not Draft.objects.exists()
    # The case page the user lands on says the registration went through, with its reference.
    landed = client.get(response["Location"]).content.decode()
    assert f"Đã đăng ký hồ sơ {case.reference}." in landed
    created = draft_audit(world.owner, "created").get()
    assert created.action == AuditEvent.Action.CREATE and created.detail == {
        "draft": "new_case",
        "event": "created",
        "step": "facts",
    }
    rows = json.dumps(list(AuditEvent.objects.filter(object_type="draft").values("detail")), ensure_ascii=False)
    assert NAME not in rows and "012345678901" not in rows
    assert NAME not in caplog.text and "012345678901" not in caplog.text


def test_discarding_the_draft_deletes_it_and_starts_over(world):
    client = sign_in(world.owner)
    client.post("/cases/new/person/", person_step())
    draft = Draft.objects.get(user=world.owner)
    assert client.get(f"/drafts/{draft.public_id}/discard/").status_code == 405
    response = client.post(f"/drafts/{draft.public_id}/discard/", follow=True)
    assert response.redirect_chain[-1][0] == "/cases/new/person/"
    assert not Draft.objects.exists()
    assert NAME not in response.content.decode()
    assert draft_audit(world.owner, "discarded").count() == 1


def test_drafts_untouched_for_the_retention_days_are_purged(world):
    client = sign_in(world.owner)
    client.post("/cases/new/person/", person_step())
    colleague = sign_in(world.colleague)
    colleague.post("/cases/new/person/", person_step(full_name="Vàng Thị Mỷ"))
    old = timezone.now() - datetime.timedelta(days=settings.CAUNOI_DRAFT_DAYS, minutes=1)
    Draft.objects.update(updated_at=old)
    # An expired draft is not continued, even before the purge.
    assert NAME not in client.get("/cases/new/person/").content.decode()
    # Signing in purges the user's own; the periodic task the rest.
    sign_in_again("/cases/new/person/")
    assert list(Draft.objects.values_list("user", flat=True)) == [world.colleague.pk]
    assert purge_drafts() == 1
    assert not Draft.objects.exists()


def test_a_fresh_draft_is_kept_by_the_purge(world):
    client = sign_in(world.owner)
    client.post("/cases/new/person/", person_step())
    assert drafts.purge_expired() == 0
    assert Draft.objects.count() == 1


def test_a_user_without_registration_rights_has_no_wizard_and_no_draft(world):
    supervisor = sign_in(world.supervisor)
    assert supervisor.post("/cases/new/person/", person_step()).status_code == 403
    assert not Draft.objects.exists()


def test_two_users_each_keep_their_own_draft(world):
    other = make_user("second.owner", world.police, Role.CASEWORKER)
    first, second = sign_in(world.owner), sign_in(other)
    first.post("/cases/new/person/", person_step())
    second.post("/cases/new/person/", person_step(full_name="Vàng Thị Mỷ"))
    assert Draft.objects.count() == 2
    assert "Vàng Thị Mỷ" not in first.get("/cases/new/person/").content.decode()
    assert NAME not in second.get("/cases/new/person/").content.decode()


def test_the_idle_pages_sign_in_link_keeps_its_next_when_the_session_has_ended(world):
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client = sign_in(world.owner)
        traveller.shift(settings.SESSION_IDLE_SECONDS + 1)
        response = client.get("/sign-in/?next=/cases/new/person/")
    assert response["Location"] == "/sign-in/?next=%2Fcases%2Fnew%2Fperson%2F"
