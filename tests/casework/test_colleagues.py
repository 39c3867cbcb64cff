"""An agency administrator manages her colleagues without the Django admin (decisions
179–181): invitations with a single-use set-password link, memberships ended and restored,
roles changed; every change audited, other agencies' people out of reach."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.shortcuts import resolve_url
from django.test import Client
from guardian.shortcuts import get_perms

from casework.accounts import invitation_tokens
from casework.models import AuditEvent, Membership, Role, User
from tests.fixtures.personas import PASSWORD, make_user, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "mây trắng bay qua núi 77"


@pytest.fixture(autouse=True)
def mail_now(monkeypatch):
    """Account e-mails are sent at once, in this process (the test's transaction never commits)."""
    from casework import account_tasks

    monkeypatch.setattr(account_tasks, "dispatch", lambda task, *args: task.apply(args))


@pytest.fixture
def admin(world):
    return make_user("police.admin", world.police, Role.AGENCY_ADMIN)


def account_rows(event: str):
    return AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT, detail__event=event)


def invite(client, **fields):
    data = {"full_name": "Trần Văn Minh", "username": "minh", "email": "minh@example.org", "role": Role.CASEWORKER}
    return client.post("/account/colleagues/invite/", {**data, **fields})


def link_in(message) -> str:
    return re.search(r"http://testserver(/invitation/\S+/)", message.body).group(1)


def membership(user, agency, role) -> Membership:
    return Membership.objects.get(user=user, agency=agency, role=role)


def test_an_invitation_makes_an_account_without_password_and_mails_a_single_use_link(world, admin, settings):
    client = sign_in(admin)
    response = invite(client)
    assert response.status_code == 302

    minh = User.objects.get(username="minh")
    assert minh.full_name == "Trần Văn Minh" and minh.email == "minh@example.org" and minh.is_active
    assert not minh.has_usable_password()
    assert list(Membership.objects.filter(user=minh).values_list("agency", "role", "is_active")) == [
        (world.police.pk, Role.CASEWORKER, True)
    ]
    assert minh.groups.filter(agency_group__agency=world.police, agency_group__role=Role.CASEWORKER).exists()
    row = account_rows("invited").get()
    assert row.actor == admin and row.agency == world.police and row.object_id == str(minh.pk)
    assert row.detail == {"event": "invited", "role": Role.CASEWORKER}

    [message] = mail.outbox
    assert message.to == ["minh@example.org"]
    # Nothing about the agency, the inviter or the username in the e-mail.
    for word in ("minh", "trần", world.police.name.lower(), world.police.code, "police.admin"):
        assert word not in message.body.replace(link_in(message), "").lower()

    invitee = Client()
    form_page = invitee.get(link_in(message), follow=True)
    assert form_page.status_code == 200 and "minh" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    weak = invitee.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and not User.objects.get(pk=minh.pk).has_usable_password()
    done = invitee.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/invitation/done/"
    assert User.objects.get(pk=minh.pk).check_password(NEW_PASSWORD)
    assert account_rows("invitation_accepted").get().object_id == str(minh.pk)
    assert not AuditEvent.objects.filter(detail__icontains=NEW_PASSWORD).exists()

    # The link works once.
    again = Client().get(link_in(message), follow=True)
    assert "invitation-link-invalid" in again.content.decode()
    signed_in = Client().post("/sign-in/", {"username": "minh", "password": NEW_PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert signed_in.status_code == 302 and signed_in["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)


def test_an_invitation_link_expires_and_is_no_password_reset_link(world, admin, settings):
    client = sign_in(admin)
    invite(client)
    minh = User.objects.get(username="minh")
    link = link_in(mail.outbox[0])
    token = link.rstrip("/").split("/")[-1]
    assert invitation_tokens.check_token(minh, token)
    # A reset link with the invitation's token is refused (own salt).
    reset = Client().get(link.replace("/invitation/", "/password-reset/"), follow=True)
    assert "reset-link-invalid" in reset.content.decode()
    now = invitation_tokens._num_seconds(invitation_tokens._now())
    late = now - settings.CAUNOI_INVITATION_HOURS * 3600 - 1
    expired = invitation_tokens._make_token_with_timestamp(minh, late, invitation_tokens.secret)
    assert not invitation_tokens.check_token(minh, expired)
    assert "invitation-link-invalid" in Client().get(link.replace(token, expired), follow=True).content.decode()


def test_an_existing_account_gets_a_membership_only_and_nothing_else_is_told(world, admin):
    world.outsider.email = "outsider@example.org"
    world.outsider.save()
    client = sign_in(admin)
    # Only one of the two matching: refused, without saying whose account it is.
    refused = invite(client, username="outsider", email="someone@example.org")
    assert refused.status_code == 400
    assert world.union.name not in refused.content.decode()
    assert not Membership.objects.filter(user=world.outsider, agency=world.police).exists()

    response = invite(client, username="Outsider", email="OUTSIDER@example.org", full_name="Tên khác")
    assert response.status_code == 302
    assert User.objects.filter(username__iexact="outsider").count() == 1
    outsider = User.objects.get(pk=world.outsider.pk)
    assert outsider.full_name != "Tên khác" and outsider.check_password(PASSWORD)
    assert set(Membership.objects.filter(user=outsider, is_active=True).values_list("agency", flat=True)) == {
        world.union.pk,
        world.police.pk,
    }
    row = account_rows("membership_added").get()
    assert row.agency == world.police and row.object_id == str(outsider.pk)
    assert not account_rows("invited").exists()
    # A notice, no link.
    [message] = mail.outbox
    assert message.to == ["outsider@example.org"] and "/invitation/" not in message.body
    # Her page shows her roles here only.
    page = client.get(f"/account/colleagues/{outsider.pk}/").content.decode()
    assert world.union.name not in page and 'data-testid="membership-shelter_staff"' not in page
    assert 'data-testid="membership-caseworker"' in page


def test_inviting_a_colleague_twice_is_refused(world, admin):
    client = sign_in(admin)
    world.colleague.email = "colleague@example.org"
    world.colleague.save()
    response = invite(client, username="colleague", email="colleague@example.org")
    assert response.status_code == 400
    assert Membership.objects.filter(user=world.colleague).count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "superuser"},
        {"username": "bad name!"},
        {"email": "not-an-address"},
        {"full_name": ""},
        {"username": "x\x00y"},
    ],
)
def test_bad_invitations_are_400_and_change_nothing(world, admin, fields):
    users = User.objects.count()
    response = invite(sign_in(admin), **fields)
    assert response.status_code == 400
    assert User.objects.count() == users and not mail.outbox


def test_ending_a_membership_takes_effect_at_the_next_request(world, admin):
    colleague_client = sign_in(world.colleague)
    assert colleague_client.get("/").status_code == 200
    client = sign_in(admin)
    police_work = membership(world.colleague, world.police, Role.CASEWORKER)
    response = client.post(f"/account/memberships/{police_work.pk}/end/")
    assert response.status_code == 302

    police_work.refresh_from_db()
    assert not police_work.is_active
    assert not world.colleague.groups.filter(pk=police_work.agency_group.group_id).exists()
    # No other membership: the account is deactivated and the session is worth nothing.
    assert not User.objects.get(pk=world.colleague.pk).is_active
    next_request = colleague_client.get("/")
    assert next_request.status_code == 302 and next_request["Location"].startswith("/sign-in/")
    ended = account_rows("membership_ended").get()
    assert ended.actor == admin and ended.agency == world.police and ended.object_id == str(world.colleague.pk)
    assert account_rows("user_deactivated").get().object_id == str(world.colleague.pk)
    listing = client.get("/account/colleagues/").content.decode()
    former = listing[listing.index('data-testid="former-colleagues"') :]
    assert f"/account/colleagues/{world.colleague.pk}/" in former

    # Restored: the membership and the account come back.
    client.post(f"/account/memberships/{police_work.pk}/restore/")
    police_work.refresh_from_db()
    assert police_work.is_active and User.objects.get(pk=world.colleague.pk).is_active
    assert account_rows("membership_restored").count() == 1 and account_rows("user_reactivated").count() == 1


def test_a_person_with_another_agency_keeps_her_account_but_loses_this_agency(world, admin):
    union_work = Membership.objects.get(user=world.outsider, agency=world.union)
    from casework import actions

    police_work = actions.do_add_membership(world.outsider, world.police, Role.CASEWORKER, actor=None)
    outsider_client = sign_in(world.outsider, agency=world.police)
    assert outsider_client.get("/").status_code == 200

    response = sign_in(admin).post(f"/account/memberships/{police_work.pk}/end/")
    assert response.status_code == 302
    assert User.objects.get(pk=world.outsider.pk).is_active
    assert not account_rows("user_deactivated").exists()
    union_work.refresh_from_db()
    assert union_work.is_active
    # The session acted for the police: it must choose an agency again.
    assert outsider_client.get("/")["Location"] == "/agency/"


def test_a_role_change_moves_the_groups_and_the_case_permissions(world, admin):
    case = world.case
    before = set(get_perms(world.colleague, case))
    supervisor_perms = set(get_perms(world.supervisor, case))
    assert "view_case_investigation" in supervisor_perms and before != supervisor_perms
    old = membership(world.colleague, world.police, Role.CASEWORKER)
    response = sign_in(admin).post(f"/account/memberships/{old.pk}/role/", {"role": Role.SUPERVISOR})
    assert response.status_code == 302

    old.refresh_from_db()
    new = membership(world.colleague, world.police, Role.SUPERVISOR)
    assert not old.is_active and new.is_active
    colleague = User.objects.get(pk=world.colleague.pk)
    groups = set(colleague.groups.values_list("pk", flat=True))
    assert new.agency_group.group_id in groups and old.agency_group.group_id not in groups
    assert set(get_perms(colleague, case)) == supervisor_perms
    row = account_rows("role_changed").get()
    assert row.detail == {"event": "role_changed", "role": Role.SUPERVISOR, "previous_role": Role.CASEWORKER}
    assert row.agency == world.police and row.object_id == str(colleague.pk)

    # Acting as the supervisor after choosing the new membership works; the old one is gone.
    assert sign_in(colleague, agency=world.police, role=Role.SUPERVISOR).get("/").status_code == 200


def test_bad_role_changes_are_refused_without_a_change(world, admin):
    client = sign_in(admin)
    old = membership(world.colleague, world.police, Role.CASEWORKER)
    for role in ("superuser", Role.CASEWORKER, ""):
        response = client.post(f"/account/memberships/{old.pk}/role/", {"role": role})
        assert response.status_code == 302
    assert list(Membership.objects.filter(user=world.colleague).values_list("role", "is_active")) == [
        (Role.CASEWORKER, True)
    ]
    assert not account_rows("role_changed").exists()


def test_an_admin_cannot_end_or_change_her_own_membership(world, admin):
    client = sign_in(admin)
    own = membership(admin, world.police, Role.AGENCY_ADMIN)
    client.post(f"/account/memberships/{own.pk}/end/")
    client.post(f"/account/memberships/{own.pk}/role/", {"role": Role.CASEWORKER})
    own.refresh_from_db()
    assert own.is_active and User.objects.get(pk=admin.pk).is_active
    assert Membership.objects.filter(user=admin).count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT).exists()


def test_other_agencies_people_are_404_with_a_denied_row(world, admin):
    client = sign_in(admin)
    union_work = Membership.objects.get(user=world.outsider, agency=world.union)
    assert client.get(f"/account/colleagues/{world.outsider.pk}/").status_code == 404
    assert client.get("/account/colleagues/abc/").status_code == 404
    assert client.get("/account/colleagues/99999999999999999999/").status_code == 404
    for verb in ("end", "restore", "role"):
        assert client.post(f"/account/memberships/{union_work.pk}/{verb}/", {"role": "supervisor"}).status_code == 404
    assert client.post(f"/account/colleagues/{world.outsider.pk}/invitation/").status_code == 404
    union_work.refresh_from_db()
    assert union_work.is_active and User.objects.get(pk=world.outsider.pk).is_active
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=admin).count() == 7
    assert world.outsider.username not in client.get("/account/colleagues/").content.decode()


def test_other_roles_get_403_with_a_refused_row(world):
    client = sign_in(world.supervisor)
    police_work = membership(world.colleague, world.police, Role.CASEWORKER)
    assert client.get("/account/colleagues/invite/").status_code == 403
    assert invite(client).status_code == 403
    assert client.post(f"/account/memberships/{police_work.pk}/end/").status_code == 403
    assert client.get(f"/account/colleagues/{world.colleague.pk}/").status_code == 403
    police_work.refresh_from_db()
    assert police_work.is_active and not User.objects.filter(username="minh").exists()
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, actor=world.supervisor)
    assert rows.count() == 4 and rows.first().detail["reason"] == "not_agency_admin"


def test_changes_are_post_only(world, admin):
    client = sign_in(admin)
    police_work = membership(world.colleague, world.police, Role.CASEWORKER)
    assert client.get(f"/account/memberships/{police_work.pk}/end/").status_code == 405
    assert client.get(f"/account/memberships/{police_work.pk}/role/").status_code == 405
    police_work.refresh_from_db()
    assert police_work.is_active


def test_the_pages_show_colleagues_and_ask_before_ending(world, admin):
    client = sign_in(admin)
    listing = client.get("/account/colleagues/").content.decode()
    assert f"/account/colleagues/{world.colleague.pk}/" in listing and "/account/colleagues/invite/" in listing
    page = client.get(f"/account/colleagues/{world.colleague.pk}/").content.decode()
    assert 'data-confirm="' in page and "/end/" in page


def test_a_pending_invitation_can_be_sent_again_and_the_old_link_still_works_once(world, admin):
    client = sign_in(admin)
    invite(client)
    minh = User.objects.get(username="minh")
    response = client.post(f"/account/colleagues/{minh.pk}/invitation/")
    assert response.status_code == 302
    assert len(mail.outbox) == 2 and account_rows("invitation_resent").count() == 1
    invitee = Client()
    page = invitee.get(link_in(mail.outbox[1]), follow=True)
    invitee.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # Once a password is chosen, neither link works, and there is nothing to resend.
    assert "invitation-link-invalid" in Client().get(link_in(mail.outbox[0]), follow=True).content.decode()
    client.post(f"/account/colleagues/{minh.pk}/invitation/")
    assert len(mail.outbox) == 2


def test_a_deactivated_invitee_cannot_use_the_link(world, admin):
    client = sign_in(admin)
    invite(client)
    minh = User.objects.get(username="minh")
    client.post(f"/account/memberships/{membership(minh, world.police, Role.CASEWORKER).pk}/end/")
    page = Client().get(link_in(mail.outbox[0]), follow=True)
    assert "invitation-link-invalid" in page.content.decode()
    assert Group.objects.filter(user=minh).count() == 0


def test_a_username_taken_at_the_same_moment_is_a_400_not_a_500(world, admin, monkeypatch):
    from casework import accounts

    # As if another request created "colleague" between the check and the insert.
    monkeypatch.setattr(accounts, "find_existing", lambda username, email: None)
    response = invite(sign_in(admin), username="colleague", email="new@example.org")
    assert response.status_code == 400
    assert Membership.objects.filter(user=world.colleague).count() == 1 and not mail.outbox


def test_an_old_sign_in_is_asked_again_before_an_invitation(world, admin, settings):
    client = sign_in(admin)
    session = client.session
    session["authenticated_at"] -= settings.CAUNOI_REAUTH_MINUTES * 60 + 1
    session.save()
    response = invite(client)
    assert response.status_code == 302 and response["Location"].startswith("/account/confirm/")
    assert not User.objects.filter(username="minh").exists() and not mail.outbox
