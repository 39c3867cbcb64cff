"""Request-wide rules: security headers, session limits, the active agency, outages."""

import ipaddress
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from casework import audit
from casework.models import Membership

log = logging.getLogger(__name__)

SESSION_MEMBERSHIP_KEY = "active_membership_id"
SESSION_AUTH_AT_KEY = "authenticated_at"
SESSION_MEMBERSHIP_COUNT_KEY = "membership_count"


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
    """Idle expiry is the session cookie age (30 min, renewed per request); this adds the
    absolute limit of 12 hours from sign-in (QUALITY S5)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_AUTH_AT_KEY)
            if started is None or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class ActiveMembershipMiddleware:
    """Attach the user's active membership (agency and role) and the audit context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = None
        if request.user.is_authenticated:
            membership_id = request.session.get(SESSION_MEMBERSHIP_KEY)
            if membership_id is not None:
                # Checked on every request, so an ended membership loses access at once.
                membership = (
                    Membership.objects.select_related("agency", "agency__kind", "agency_group")
                    .filter(pk=membership_id, user=request.user, is_active=True, agency__is_active=True)
                    .first()
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
