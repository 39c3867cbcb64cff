"""Changes made in Django's admin to users, groups and memberships leave AuditEvent rows
(decision 173): who, which object, which fields, never a password or its hash."""

import pytest
from django.contrib.auth.models import Group, Permission

from casework.models import AuditEvent, Membership, Role, User
from tests.fixtures.personas import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-Long-password-4711"


@pytest.fixture
def root(world):
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


def _user_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [group.pk for group in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_superuser_grant_and_a_group_change_are_audited(world, root):
    client = sign_in(root)
    group = Group.objects.create(name="reviewers")
    target = world.outsider
    response = client.post(
        f"/admin/casework/user/{target.pk}/change/",
        _user_form(target, is_superuser="on", is_staff="on", groups=[group.pk]),
    )
    assert response.status_code == 302, response.content[:2000]
    target.refresh_from_db()
    assert target.is_superuser
    row = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="user", object_id=str(target.pk))
    assert row.actor == root and row.username == "root"
    assert row.detail["admin"] is True
    assert {"is_superuser", "is_staff", "groups"} <= set(row.detail["fields"])
    assert row.detail["is_superuser"] is True and row.detail["is_staff"] is True
    assert row.detail["groups"] == ["reviewers"]


def test_deactivating_a_user_is_audited(world, root):
    client = sign_in(root)
    target = world.outsider
    client.post(f"/admin/casework/user/{target.pk}/change/", _user_form(target, is_active=""))
    row = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="user", object_id=str(target.pk))
    assert "is_active" in row.detail["fields"] and row.detail["is_active"] is False
    assert "is_superuser" not in row.detail


def test_a_password_set_in_the_admin_is_audited_without_the_password(world, root):
    client = sign_in(root)
    target = world.outsider
    response = client.post(
        f"/admin/casework/user/{target.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)
    row = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT, detail__event="password_set_by_admin")
    assert row.actor == root and row.object_id == str(target.pk)
    assert row.detail["usable"] is True and row.detail["target"] == target.username
    stored = str(row.detail)
    assert NEW_PASSWORD not in stored and target.password not in stored


def test_a_refused_admin_password_form_is_not_recorded_as_a_change(world, root):
    client = sign_in(root)
    response = client.post(
        f"/admin/casework/user/{world.outsider.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": "something else", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(detail__event="password_set_by_admin").exists()


def test_adding_a_user_is_audited_without_the_password(world, root):
    client = sign_in(root)
    response = client.post(
        "/admin/casework/user/add/",
        {"username": "newcomer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(username="newcomer")
    row = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="user", object_id=str(user.pk))
    assert row.actor == root
    assert not any("password" in name for name in row.detail["fields"])
    assert NEW_PASSWORD not in str(row.detail)


def test_deleting_a_user_is_audited(world, root):
    client = sign_in(root)
    doomed = User.objects.create_user("doomed", password=PASSWORD)
    response = client.post(f"/admin/casework/user/{doomed.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=doomed.pk).exists()
    row = AuditEvent.objects.get(action=AuditEvent.Action.REVOKE, object_type="user", object_id=str(doomed.pk))
    assert row.actor == root and row.detail == {"admin": True, "deleted": "doomed"}


def test_a_group_permission_change_is_audited(world, root):
    client = sign_in(root)
    group = Group.objects.create(name="auditors")
    permission = Permission.objects.get(codename="view_agency")
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "auditors", "permissions": [permission.pk]}
    )
    assert response.status_code == 302, response.content[:2000]
    row = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="group", object_id=str(group.pk))
    assert row.actor == root
    assert row.detail == {"admin": True, "fields": ["permissions"], "permissions": ["view_agency"]}


def test_a_membership_added_in_the_admin_is_audited(world, root):
    client = sign_in(root)
    response = client.post(
        "/admin/casework/membership/add/",
        {"user": world.outsider.pk, "agency": world.police.pk, "role": Role.SUPERVISOR, "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    membership = Membership.objects.get(user=world.outsider, agency=world.police)
    row = AuditEvent.objects.get(
        action=AuditEvent.Action.CREATE, object_type="membership", object_id=str(membership.pk)
    )
    assert row.actor == root
