"""Tokens: hashed, shown once, revocable (401 after), last use recorded, the rate limit (429),
the command that creates clients, and the schema published at /api/schema."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from api.clients import SCOPE_ROLES, client_for_token, do_revoke_client, token_hash
from api.models import ApiClient
from casework.models import AuditEvent, Membership, Role
from tests.api.conftest import Caller, make_client
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db


def test_only_the_hash_is_kept_and_the_service_account_cannot_sign_in(api):
    client = api.police_client
    assert client.token_hash == token_hash(api.police_api.token) and api.police_api.token not in client.token_hash
    assert not client.user.is_active and not client.user.has_usable_password()
    roles = set(Membership.objects.filter(user=client.user, is_active=True).values_list("role", flat=True))
    assert roles == set(SCOPE_ROLES.values())
    created = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="apiclient", object_id=str(client.pk))
    assert created.detail["scopes"] == sorted(client.scopes)


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nope", "Basic abc", "Bearer cnapi_wrong"])
def test_missing_or_unknown_tokens_are_401(api, header):
    response = api.police_api.http.get("/api/v1/cases", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_401_at_once(api):
    assert api.police_api.get("/api/v1/cases").status_code == 200
    ApiClient.objects.filter(pk=api.police_client.pk).update(last_used_at=None)
    assert api.police_api.get("/api/v1/cases").status_code == 200
    api.police_client.refresh_from_db()
    assert api.police_client.last_used_at is not None
    admin = make_user("police.admin2", api.police, Role.AGENCY_ADMIN)
    do_revoke_client(api.police_client, actor=admin)
    assert api.police_api.get("/api/v1/cases").status_code == 401
    assert client_for_token(api.police_api.token) is None
    assert not Membership.objects.filter(user=api.police_client.user, is_active=True).exists()


def test_an_ended_service_membership_is_403(api):
    from casework.actions import do_end_membership

    membership = Membership.objects.get(user=api.police_client.user, role=Role.CASEWORKER)
    do_end_membership(membership, actor=None)
    assert api.police_api.get("/api/v1/cases").status_code == 403


def test_the_rate_limit_answers_429_with_retry_after(api, settings):
    settings.CAUNOI_API_RATE_PER_MINUTE = 3
    with time_machine.travel(datetime.datetime(2026, 12, 4, 10, 0, 20, tzinfo=datetime.UTC), tick=False):
        codes = [api.syt_api.get("/api/v1/referrals").status_code for _n in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = api.syt_api.get("/api/v1/referrals")
        assert limited["Retry-After"] == "40" and limited.json()["detail"]
        # The limit is per client: another is not slowed down.
        assert api.commune_api.get("/api/v1/referrals").status_code == 200
    # The next minute is a new window.
    with time_machine.travel(datetime.datetime(2026, 12, 4, 10, 1, 1, tzinfo=datetime.UTC), tick=False):
        assert api.syt_api.get("/api/v1/referrals").status_code == 200


def test_the_command_creates_lists_and_revokes(api):
    admin = make_user("syt.admin", api.syt, Role.AGENCY_ADMIN)
    out = io.StringIO()
    call_command(
        "api_client", "create", "--agency", "c-syt-lca", "--name", "Tổng đài 111", "--scopes",
        "reports:create,cases:read", "--by", admin.username, stdout=out,
    )  # fmt: skip
    token = out.getvalue().strip().splitlines()[-1]
    caller = Caller(token)
    assert caller.get("/api/v1/cases").status_code == 200
    assert caller.get("/api/v1/referrals").status_code == 403
    client = client_for_token(token)
    listing = io.StringIO()
    call_command("api_client", "list", "--agency", "c-syt-lca", stdout=listing)
    assert client.token_prefix in listing.getvalue() and token not in listing.getvalue()
    call_command("api_client", "revoke", client.token_prefix, "--by", admin.username, stdout=io.StringIO())
    assert caller.get("/api/v1/cases").status_code == 401


def test_the_command_refuses_non_administrators_and_unknown_scopes(api):
    admin = make_user("syt.admin", api.syt, Role.AGENCY_ADMIN)
    with pytest.raises(CommandError, match="not an administrator"):
        call_command(
            "api_client", "create", "--agency", "c-syt-lca", "--name", "X", "--scopes", "cases:read",
            "--by", api.syt_worker.username,
        )  # fmt: skip
    with pytest.raises(CommandError, match="Unknown scopes"):
        call_command(
            "api_client", "create", "--agency", "c-syt-lca", "--name", "X", "--scopes", "cases:write",
            "--by", admin.username,
        )  # fmt: skip


def test_the_schema_is_published_without_a_token(client):
    response = client.get("/api/schema")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/reports" in schema["paths"] and "/api/v1/htcds/import" in schema["paths"]
    assert client.get("/api/docs").status_code == 404  # no page that would need a CDN


def test_a_client_of_another_agency_cannot_be_made_by_an_administrator_elsewhere(api):
    from api.clients import ClientError, do_create_client

    admin = make_user("hn.admin", api.syt_hn, Role.AGENCY_ADMIN)
    with pytest.raises(ClientError):
        do_create_client(name="X", agency=api.police, scopes=["cases:read"], actor=admin)
    assert make_client(api.syt_hn, scopes=["cases:read"], name="Y")[0].agency == api.syt_hn
