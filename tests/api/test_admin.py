"""Platform staff create and revoke API clients in the Django admin: the token is shown once, in
the page that answers the form (never in a message cookie); a client is revoked, never deleted."""

import re

import pytest

from api.models import ApiClient
from casework.models import AuditEvent, User
from tests.api.conftest import Caller
from tests.fixtures.personas import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


def test_the_admin_creates_shows_the_token_once_and_revokes(chain):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    browser = sign_in(root)
    response = browser.post(
        "/admin/api/apiclient/add/",
        {"name": "Hệ thống NGO", "agency": chain.union.pk, "scopes": ["cases:read", "referrals:read"]},
    )
    assert response.status_code == 200, response.content[:2000]
    assert response["Cache-Control"] == "no-store"
    client = ApiClient.objects.get(name="Hệ thống NGO")
    # The answer shows the token once; it is in no cookie and not kept anywhere to show again.
    shown = response.content.decode()
    token = re.search(r"cnapi_[\w-]+", shown).group(0)
    assert all(token not in morsel.value for morsel in browser.cookies.values())
    assert token not in browser.get("/admin/api/apiclient/").content.decode()
    assert Caller(token).get("/api/v1/cases").status_code == 200
    page = browser.get(f"/admin/api/apiclient/{client.pk}/change/").content.decode()
    assert token not in page and client.token_prefix in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, actor=root, object_type="apiclient").exists()
    browser.post("/admin/api/apiclient/", {"action": "revoke", "_selected_action": [client.pk], "index": 0})
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert Caller(token).get("/api/v1/cases").status_code == 401
    assert browser.get(f"/admin/api/apiclient/{client.pk}/delete/").status_code == 403
