"""The membership admin: a membership's user, agency and role are fixed once made (end it and add
another); ending one takes its group and the assignments made under it away (privacy review)."""

import time

from casework.middleware import SESSION_AUTH_AT_KEY
from casework.models import CaseGrant, Membership, Role, User


def test_a_membership_role_cannot_be_changed_in_place(world, admin_client):
    membership = world.owner.memberships.get()
    url = f"/admin/casework/membership/{membership.pk}/change/"
    admin_client.force_login(User.objects.create_superuser("root", "root@example.invalid", "x-password-123"))
    session = admin_client.session
    session[SESSION_AUTH_AT_KEY] = time.time()
    session.save()
    admin_client.post(
        url, {"user": world.outsider.pk, "agency": world.union.pk, "role": "agency_admin", "is_active": "on"}
    )
    membership.refresh_from_db()
    assert (membership.user, membership.agency, membership.role) == (world.owner, world.police, Role.CASEWORKER)
    assert Membership.objects.filter(user=world.owner).count() == 1
    admin_client.post(url, {})  # untick "active"
    membership.refresh_from_db()
    assert not membership.is_active
    assert not world.owner.groups.filter(pk=membership.agency_group.group_id).exists()
    assert not world.case.grants.filter(source=CaseGrant.Source.ASSIGNMENT, revoked_at__isnull=True).exists()
