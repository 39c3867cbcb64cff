"""A partner system's service account is a machine account (decision 238): an agency
administrator cannot bring it back to life on the colleagues page, and it is never offered or
accepted as the caseworker of a referral."""

import pytest

from api.clients import do_create_client
from api.models import Scope
from casework.access import assignable_caseworkers, colleagues_known_to
from casework.models import AuditEvent, Membership, Role, User
from referrals.models import Referral
from tests.fixtures.personas import make_user, sign_in
from tests.referrals.test_inbox_pages import send, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def machine(net):
    net.social_admin = make_user("social.admin", net.social, Role.AGENCY_ADMIN)
    client, _token = do_create_client(
        name="Tổng đài xã hội", agency=net.social, scopes=[Scope.REPORTS_CREATE], actor=net.social_admin
    )
    return client.user


def caseworker_membership(user, agency):
    return Membership.objects.filter(user=user, agency=agency, role=Role.CASEWORKER).latest("pk")


def test_ending_and_restoring_a_service_membership_never_activates_the_account(net, machine):
    admin = sign_in(net.social_admin)
    work = caseworker_membership(machine, net.social)
    assert admin.post(f"/account/memberships/{work.pk}/end/").status_code == 302
    response = admin.post(f"/account/memberships/{work.pk}/restore/")
    assert response.status_code == 302 and texts(response)

    machine.refresh_from_db()
    assert not machine.is_active
    assert not Membership.objects.filter(user=machine, is_active=True).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT, detail__event="user_reactivated").exists()
    assert machine not in assignable_caseworkers(net.social.pk)
    net.social_worker.active_membership = Membership.objects.get(user=net.social_worker, agency=net.social)
    assert machine not in colleagues_known_to(net.social_worker)


def test_a_service_account_gets_no_other_role_and_no_invitation(net, machine):
    admin = sign_in(net.social_admin)
    work = caseworker_membership(machine, net.social)
    response = admin.post(f"/account/memberships/{work.pk}/role/", {"role": Role.SUPERVISOR})
    assert response.status_code == 302 and texts(response)
    assert not Membership.objects.filter(user=machine, role=Role.SUPERVISOR).exists()
    User.objects.filter(pk=machine.pk).update(is_active=True)  # even if it were active somehow
    admin.post(f"/account/colleagues/{machine.pk}/invitation/")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT, detail__event="invitation_resent").exists()


def test_an_invitation_cannot_take_the_service_prefix(net, machine):
    from casework.accounts import AccountError, do_invite_colleague

    with pytest.raises(AccountError):
        do_invite_colleague(
            agency=net.social,
            actor=net.social_admin,
            full_name="Người giả",
            username="api.nguoi-gia",
            email="gia@example.test",
            role=Role.CASEWORKER,
        )


def test_the_referral_picker_offers_no_inactive_account_and_assigning_one_is_refused(net, machine):
    referral = send(net)
    # The service account holds an active caseworker membership of the receiving agency.
    assert Membership.objects.filter(user=machine, agency=net.social, role=Role.CASEWORKER, is_active=True).exists()
    page = sign_in(net.social_supervisor).get(f"/referrals/{referral.public_id}/").content.decode()
    assert f'value="{machine.pk}"' not in page
    assert f'value="{net.social_worker.pk}"' in page
    response = sign_in(net.social_supervisor).post(f"/referrals/{referral.public_id}/assign/", {"user": machine.pk})
    assert response.status_code in (302, 404)
    assert Referral.objects.get(pk=referral.pk).assigned_to is None


def test_the_colleagues_page_lists_service_accounts_apart_from_the_staff(net, machine):
    """An administrator must not take a partner system for a colleague: its account is not in
    the staff table nor among the former colleagues, but in a section of its own, without
    buttons, that points to the API clients."""
    page = sign_in(net.social_admin).get("/account/colleagues/").content.decode()
    staff, _sep, rest = page.partition('data-testid="service-accounts"')
    assert f'data-testid="colleague-{net.social_worker.username}"' in staff
    assert machine.username not in staff
    assert f'data-testid="service-account-{machine.username}"' in rest
    assert "two-factor/reset" not in rest


def test_resetting_the_second_step_of_a_service_account_is_refused(net, machine):
    response = sign_in(net.social_admin).post(f"/account/colleagues/{machine.pk}/two-factor/reset/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT, detail__event="two_factor_reset").exists()
