"""Request-wide rules: security headers, session limits, the active agency, outages."""

import ipaddress
import logging
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, logout
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from casework import audit, sessions
from casework.lib.fixed_query import FixedQuery
from casework.models import AuditEvent, Membership

log = logging.getLogger(__name__)

SESSION_MEMBERSHIP_KEY = "active_membership_id"
SESSION_AUTH_AT_KEY = "authenticated_at"
SESSION_MEMBERSHIP_COUNT_KEY = "membership_count"
SESSION_LAST_ACTION_KEY = "last_action_at"
# Set when the password given at sign-in no longer passes the rules: every page but a few
# sends to the password change until a new one is chosen (ASVS 2.1.7).
SESSION_PASSWORD_CHANGE_KEY = "password_change_required"
PASSWORD_CHANGE_OPEN_PATHS = ("/account/password/", "/sign-out/", "/i18n/", "/static/")
# Sent by every element that polls (hx-headers); see SessionLimitMiddleware and static/js/idle.js.
BACKGROUND_HEADER = "X-CauNoi-Background"


class VietnameseFirstMiddleware:
    """Vietnamese unless the user chose English with the language switch (a cookie): the
    browser's Accept-Language is ignored, so an English-configured office PC still shows the
    official Vietnamese terms."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """QUALITY S2: CSP without inline scripts, nosniff, frame-ancestors, referrer policy,
    HSTS in production, and no caching of anything a signed-in user sees."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.setdefault("X-Frame-Options", "DENY")
        if settings.SECURE_HSTS_SECONDS:
            response.setdefault(
                "Strict-Transport-Security",
                f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload",
            )
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
        return response


class MethodNotAllowedPageMiddleware:
    """A save-only address opened in the browser (a form's action from the history or a shared
    link) answers 405 with an empty body, which the browser shows as its own English error
    page: it gets a page in the user's language, with the same status and Allow header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and request.method in ("GET", "HEAD"):
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


class ServiceUnavailableMiddleware:
    """A database that is down gives a plain 503 page, never a traceback (QUALITY R4)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)) or type(exception) is DatabaseError:
            log.error("database unavailable: %s", exception)
            body = render_to_string("503.html", {"request": request})
            response = HttpResponse(body, status=503)
            response["Retry-After"] = "30"
            return response
        return None


class SessionLimitMiddleware:
    """Ends a session 12 hours after sign-in (QUALITY S5) or after CAUNOI_IDLE_MINUTES without a
    user action. Background polling (htmx `every` triggers, which send BACKGROUND_HEADER) neither
    counts as an action nor renews the stored session, so an unattended page cannot keep itself
    signed in. An ended session is audited and flushed; htmx gets 286 (stop polling) and
    HX-Redirect to the sign-in page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        background = is_background(request)
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_AUTH_AT_KEY)
            last_action = request.session.get(SESSION_LAST_ACTION_KEY, started)
            if started is None or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                return _end_session(request, "absolute")
            if last_action is None or now - last_action > settings.SESSION_IDLE_SECONDS:
                return _end_session(request, "idle")
            if not background:
                if now - last_action >= settings.SESSION_ACTIVITY_SECONDS:
                    # Modifies the session, so it is saved and its stored expiry renewed; a
                    # background request leaves both alone (SESSION_SAVE_EVERY_REQUEST is off).
                    # Written once a minute at most, so most pages save no session (decision 250).
                    request.session[SESSION_LAST_ACTION_KEY] = now
                sessions.touch(request, client_ip(request))
            if request.session.get(SESSION_PASSWORD_CHANGE_KEY) and not request.path.startswith(
                PASSWORD_CHANGE_OPEN_PATHS
            ):
                return redirect("casework:password-change")
        elif background:
            # The stored session has already expired: stop the polling without a sign-in page.
            return _signed_out_response(request)
        return self.get_response(request)


def is_background(request) -> bool:
    """A request the page made by itself (polling), not one the user asked for."""
    return request.headers.get(BACKGROUND_HEADER) == "1"


def _end_session(request, reason: str):
    token = audit.current_request.set(audit.RequestMeta(ip=client_ip(request), agency_id=None))
    try:
        audit.record(AuditEvent.Action.LOGOUT, actor=request.user, detail={"reason": reason})
    finally:
        audit.current_request.reset(token)
    sessions.forget(request.session.session_key)
    logout(request)
    if request.headers.get("HX-Request") != "true":
        if request.method == "POST":
            # What was sent is not saved: say so, and where to find it (the form comes back after
            # sign-in; the new-case wizard puts back what this browser kept, decision 197).
            messages.warning(
                request,
                _(
                    "Your session ended before this was saved. Sign in again to return to the form "
                    "and check what you typed before sending it again."
                ),
            )
        else:
            messages.info(request, _("Your session has ended. Please sign in again."))
    return _signed_out_response(request, back_to=_return_path(request))


def _return_path(request) -> str | None:
    """Where to go after signing in again: the page that was asked for (the form a POST came
    from is at the same address), or for a user's htmx request the page it was made from. A
    background poll returns nowhere: its address is a fragment."""
    if is_background(request):
        return None
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.netloc and current.netloc != request.get_host():
            return None
        return urlunsplit(("", "", current.path, current.query, "")) or None
    if request.method == "GET":
        if request.path == resolve_url(settings.LOGIN_URL):
            # The idle page's sign-in link, followed once the session had ended: keep its `next`.
            return request.GET.get("next") or None
        return request.get_full_path()
    # A POST's address may accept only POSTs: go back to the page its form was on.
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.get_host():
        return urlunsplit(("", "", referer.path, referer.query, "")) or None
    return None


def _signed_out_response(request, back_to: str | None = None):
    sign_in = resolve_url(settings.LOGIN_URL)
    if back_to and back_to.startswith("/") and not back_to.startswith("//"):
        sign_in += "?" + urlencode({"next": back_to})
    if request.headers.get("HX-Request") == "true":
        # htmx 2 stops polling on 286; the empty body blanks the polled part; HX-Redirect takes the
        # whole page to the sign-in form, so nothing signed-in stays on screen.
        response = HttpResponse(status=286)
        response["HX-Redirect"] = sign_in
        return response
    return redirect(sign_in)


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Not set on the user: the middleware has not looked for the membership yet.
_NOT_LOADED = object()


def _active_membership_query(membership_id, user_id):
    """The session's membership if it is still usable: active, of an active agency, of this user."""
    return Membership.objects.select_related("agency", "agency__kind", "agency_group").filter(
        pk=membership_id, user_id=user_id, is_active=True, agency__is_active=True
    )


# The query above with the user, compiled once per process: it runs on every signed-in request
# (decision 337). Ordered and cut as `first()` would.
_membership_with_user = FixedQuery(
    lambda membership_id, user_id: (
        _active_membership_query(membership_id, user_id).select_related("user").order_by("pk")[:1]
    ),
    int,
    int,
)


def _user_with_membership(request):
    """The signed-in user and the active membership in one query (decision 252). The shortcut is
    taken only when Django's own `get_user` would accept the session as it is (the model
    backend, an active user, the password hash of this secret key); anything else — no
    membership chosen, an ended membership, a changed password, a rotated secret — goes through
    `get_user`, which verifies, cycles or flushes the session as it always did."""
    session = request.session
    membership_id = session.get(SESSION_MEMBERSHIP_KEY)
    user_id = session.get(SESSION_KEY)
    if (
        membership_id is None
        or user_id is None
        or session.get(BACKEND_SESSION_KEY) != MODEL_BACKEND
        or MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS
    ):
        return auth.get_user(request)
    try:
        found = _membership_with_user(int(membership_id), int(user_id))
    except (TypeError, ValueError):  # not ids: the session is not one this code wrote
        return auth.get_user(request)
    membership = found[0] if found else None
    if membership is not None:
        user = membership.user
        session_hash = session.get(HASH_SESSION_KEY)
        if user.is_active and session_hash and constant_time_compare(session_hash, user.get_session_auth_hash()):
            user.active_membership = membership
            return user
    user = auth.get_user(request)
    if user.is_authenticated and str(user.pk) == str(user_id):
        # The membership was looked up for this very user: not usable (None) or usable.
        user.active_membership = membership
    return user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the user loaded together with the session's active membership."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = _user_with_membership(request)
    return request._cached_user


class ActiveMembershipMiddleware:
    """Attach the user's active membership (agency and role) and the audit context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = None
        if request.user.is_authenticated:
            # Checked on every request, so an ended membership loses access at once: usually
            # by AuthenticationMiddleware's query of the user, otherwise here.
            membership = getattr(request.user, "active_membership", _NOT_LOADED)
            if membership is _NOT_LOADED:
                membership_id = request.session.get(SESSION_MEMBERSHIP_KEY)
                membership = (
                    _active_membership_query(membership_id, request.user.pk).first()
                    if membership_id is not None
                    else None
                )
            request.user.active_membership = membership
        token = audit.current_request.set(
            audit.RequestMeta(ip=client_ip(request), agency_id=membership.agency_id if membership else None)
        )
        try:
            return self.get_response(request)
        finally:
            audit.current_request.reset(token)


def client_ip(request) -> str | None:
    """The client's address. X-Forwarded-For is believed only from TRUSTED_PROXIES, and then
    the rightmost address that is not a trusted proxy is the client (earlier ones can be forged)."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXIES
    if remote not in trusted:
        if not trusted and "HTTP_X_FORWARDED_FOR" in request.META:
            _warn_forwarded_for_ignored(remote)
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if address not in trusted:
            return address if _is_ip(address) else remote
    return remote


_forwarded_for_warned = False


def _warn_forwarded_for_ignored(remote: str | None) -> None:
    """In production, once per process: a proxy header arrived while TRUSTED_PROXIES is unset
    (system check caunoi.W001 says so at start-up; this says a proxy is really there)."""
    global _forwarded_for_warned
    if _forwarded_for_warned or not settings.PRODUCTION:
        return
    _forwarded_for_warned = True
    logging.getLogger("caunoi.security").warning(
        "X-Forwarded-For received from %s but TRUSTED_PROXIES is unset: the header is ignored and every "
        "client behind that proxy shares its address (sign-in lockout, audit log). See docs/deploy.md.",
        remote,
    )


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
