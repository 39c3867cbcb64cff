"""Re-authentication before sensitive work (exports, imports, a colleague's second factor)."""

import time
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from casework.middleware import SESSION_AUTH_AT_KEY

# When the password (and code) were last given again on the re-authentication page.
SESSION_REAUTH_AT_KEY = "reauthenticated_at"


def last_strong_auth(request) -> float:
    """When this session last proved the password (and the second factor where enrolled)."""
    session = request.session
    return max(session.get(SESSION_AUTH_AT_KEY) or 0, session.get(SESSION_REAUTH_AT_KEY) or 0)


def is_recent(request, minutes: int | None = None) -> bool:
    limit = (settings.CAUNOI_REAUTH_MINUTES if minutes is None else minutes) * 60
    return time.time() - last_strong_auth(request) <= limit


def recent_auth_required(view=None, *, minutes: int | None = None):
    """Ask for the password (and the code, where enrolled) again when the last strong
    authentication is older than `minutes` (CAUNOI_REAUTH_MINUTES), then come back. Put it under
    the login/membership decorator. A GET comes back to itself; a POST (its form data is not
    kept) to the page it was sent from, where the user sends it again."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated and not is_recent(request, minutes):
                return ask_again(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate if view is None else decorate(view)


def ask_again(request):
    if request.method in ("GET", "HEAD"):
        target = request.get_full_path()
    else:
        referer = request.headers.get("Referer", "")
        safe = url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure())
        target = referer if referer and safe else resolve_url(settings.LOGIN_REDIRECT_URL)
    url = reverse("casework:reauthenticate") + "?" + urlencode({"next": target})
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
