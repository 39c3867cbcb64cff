"""Creating, revoking and authenticating API clients, and the service membership a call acts
through (decisions 231 and 232).

A client is a partner system bound to ONE agency. Its calls act as its own service account
(a `User` that cannot sign in: unusable password, inactive for the web) holding one membership
of that agency per role its scopes need, so `casework.access`, `referrals.access` and the
actions decide exactly as they do for a person of that agency in that role. Each scope names
the role the web gives the same work: registering a report is a caseworker's, an HTCDS export
a supervisor's, an HTCDS import the agency administrator's.
"""

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from api.models import ApiClient, Scope
from casework import actions, audit
from casework.models import Agency, AuditEvent, Membership, Role, User
from casework.service_accounts import SERVICE_USERNAME_PREFIX

TOKEN_PREFIX = "cnapi_"
SCOPE_ROLES: dict[str, str] = {
    Scope.REPORTS_CREATE: Role.CASEWORKER,
    Scope.CASES_READ: Role.CASEWORKER,
    Scope.REFERRALS_READ: Role.CASEWORKER,
    Scope.REFERRALS_ACT: Role.CASEWORKER,
    Scope.HTCDS_EXPORT: Role.SUPERVISOR,
    Scope.HTCDS_IMPORT: Role.AGENCY_ADMIN,
}


class ClientError(ValueError):
    """A client that cannot be created as asked (unknown scope, not an agency administrator)."""


def token_hash(token: str) -> str:
    """SHA-256 of the token. The token is 256 random bits, so no salt or key is needed, and a
    change of SECRET_KEY leaves the partners' tokens valid."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = sorted(set(scopes))
    unknown = [scope for scope in wanted if scope not in Scope.values]
    if unknown or not wanted:
        raise ClientError(f"Unknown scopes {unknown}; choose among {', '.join(Scope.values)}.")
    return wanted


def may_manage_clients(user: User, agency: Agency) -> bool:
    """An agency administrator of the agency (or a platform superuser, in the Django admin)."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, agency=agency, role=Role.AGENCY_ADMIN, is_active=True).exists()


def do_create_client(*, name: str, agency: Agency, scopes: Iterable[str], actor: User) -> tuple[ApiClient, str]:
    """The client and its token, which is returned here once and never stored."""
    scopes = check_scopes(scopes)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ClientError("Give the client a name.")
    if not may_manage_clients(actor, agency):
        raise ClientError(f"{actor.username} is not an administrator of {agency.code}.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = token[: len(TOKEN_PREFIX) + 8]
    with transaction.atomic():
        user = User(
            username=f"{SERVICE_USERNAME_PREFIX}{slugify(name)[:60] or 'client'}.{prefix[len(TOKEN_PREFIX) :]}".lower(),
            full_name=f"API: {name}",
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        client = ApiClient.objects.create(
            name=name,
            agency=agency,
            scopes=scopes,
            user=user,
            token_prefix=prefix,
            token_hash=token_hash(token),
            created_by=actor,
        )
        for role in sorted({SCOPE_ROLES[scope] for scope in scopes}):
            actions.do_add_membership(user, agency, role, actor=actor)
        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            obj=client,
            agency=agency,
            detail={"api_client": name, "service_account": user.username, "scopes": scopes},
        )
    return client, token


def do_revoke_client(client: ApiClient, *, actor: User) -> ApiClient:
    """Revoke the token at once; the service account's memberships end with it."""
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        for membership in Membership.objects.filter(user=locked.user, is_active=True).select_related("agency_group"):
            actions.do_end_membership(membership, actor=actor)
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=actor,
            obj=locked,
            agency=locked.agency,
            detail={"api_client": locked.name, "revoked": True},
        )
    return locked


def client_for_token(token: str) -> ApiClient | None:
    """The active client whose token this is, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    client = (
        ApiClient.objects.select_related("agency", "agency__kind", "user")
        .filter(token_hash=digest, revoked_at__isnull=True, agency__is_active=True)
        .first()
    )
    if client is None or not hmac.compare_digest(client.token_hash, digest):
        return None
    return client


def refused_client_for_token(token: str) -> ApiClient | None:
    """The client this token was issued to when it no longer works (revoked, or its agency
    closed), to name it in the `login_failed` row (decision 239); None for an unknown token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return (
        ApiClient.objects.select_related("agency", "user")
        .filter(token_hash=token_hash(token))
        .exclude(revoked_at__isnull=True, agency__is_active=True)
        .first()
    )


def touch(client: ApiClient, *, every_seconds: int = 60) -> None:
    """Record the last use, at most once a minute (one UPDATE that matches nothing otherwise)."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=every_seconds)
    ApiClient.objects.filter(pk=client.pk).exclude(last_used_at__gt=stale).update(last_used_at=now)
    client.last_used_at = now


def service_membership(client: ApiClient, scope: str) -> Membership | None:
    """The active membership the scope acts through (None once an administrator ended it)."""
    return (
        Membership.objects.select_related("agency", "agency__kind", "agency_group")
        .filter(user=client.user, agency=client.agency, role=SCOPE_ROLES[scope], is_active=True)
        .first()
    )
