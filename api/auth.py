"""`Authorization: Bearer <token>` → the client, its rate limit, its scope and the service
membership the call acts through (decisions 231, 232 and 234).

Each operation names its scope (`ClientAuth(Scope.CASES_READ)`). In that order: no or an
unknown or revoked token is a 401 (a revoked one with a `login_failed` row); a client past its
limit a 429 with Retry-After; a scope the client lacks, or a service membership an
administrator has ended, a 403 with a `refused` audit row. Then `request.user` is the
client's service account with `active_membership` set, exactly what
`casework.middleware.ActiveMembershipMiddleware` gives a signed-in person, and every audit
row written during the call carries the client's agency and the caller's address.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from api.clients import client_for_token, refused_client_for_token, service_membership, touch
from api.models import ApiClient
from casework import audit
from casework.middleware import client_ip
from casework.models import AuditEvent


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("Too many requests.")
        self.retry_after = retry_after


def check_rate(client: ApiClient, now: float | None = None) -> None:
    """A fixed window of one minute per client in the shared cache (Redis in production):
    `CAUNOI_API_RATE_PER_MINUTE` calls, then 429 until the window ends. 0 turns it off; a cache
    that cannot count (the dummy cache) lets every call through."""
    limit = settings.CAUNOI_API_RATE_PER_MINUTE
    if not limit:
        return
    now = time.time() if now is None else now
    window = int(now // 60)
    # Keyed by the token's hash, not the row id: unique even where several databases share
    # one cache (test workers, a staging copy).
    key = f"api-rate:{client.token_hash[:32]}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry is gone (dummy cache, eviction): do not block the partner
        return
    if count > limit:
        raise RateLimited(max(1, math.ceil((window + 1) * 60 - now)))


def _record_refused_token(request: HttpRequest, token: str) -> None:
    """A token of a revoked client (or of a closed agency) leaves a `login_failed` row naming
    the client, as a failed web sign-in does; an unknown token names nobody and writes nothing."""
    client = refused_client_for_token(token)
    if client is None:
        return
    audit.current_request.set(audit.RequestMeta(ip=client_ip(request), agency_id=client.agency_id))
    audit.record(
        AuditEvent.Action.LOGIN_FAILED,
        actor=client.user,
        username=client.user.username,
        agency=client.agency,
        detail={"api_client": client.name, "revoked": client.revoked_at is not None},
    )


class ClientAuth(HttpBearer):
    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        client = client_for_token(token.strip())
        if client is None:
            _record_refused_token(request, token.strip())
            return None
        check_rate(client)
        touch(client)
        user = client.user
        audit.current_request.set(audit.RequestMeta(ip=client_ip(request), agency_id=client.agency_id))
        membership = service_membership(client, self.scope) if self.scope in client.scopes else None
        user.active_membership = membership
        request.user = user
        if membership is None:
            audit.record(
                AuditEvent.Action.REFUSED,
                actor=user,
                agency=client.agency,
                detail={"capability": f"api:{self.scope}", "reason": "scope", "api_client": client.name},
            )
            raise PermissionDenied(_("This client does not have the scope %(scope)s.") % {"scope": self.scope})
        return client
