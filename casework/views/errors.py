import sys
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import REASON_CSRF_TOKEN_MISSING
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """A database that went away before a view ran (sessions, sign-in) is a 503, not a 500."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)


def forbidden(request, exception=None):
    """Seeing a case does not mean doing everything on it: say which action is not this
    agency's to take (the message is the capability's label, never case data)."""
    action = str(exception) if exception is not None and str(exception) else ""
    return render(request, "403.html", {"action": action}, status=403)


def bad_request(request, exception=None):
    """A request Django refused before any view (a form far beyond the upload limit, too many
    fields): a page in the user's language. Too large is a 413. Under htmx a form's 400 is
    swapped into the page in place of the form (base.html's htmx-config), which would replace
    what the user typed with this page: there the answer is a 413 or 422, which htmx does not
    swap, and app.js says what happened next to the form."""
    too_large = isinstance(exception, RequestDataTooBig)
    status = 413 if too_large else 400
    if status == 400 and request.headers.get("HX-Request") == "true":
        status = 422
    return render(request, "400.html", {"too_large": too_large}, status=status)


def _stale_token(reason: str) -> bool:
    """The form's token is missing or no longer matches the cookie (Django's reasons)."""
    return reason == REASON_CSRF_TOKEN_MISSING or reason.startswith("CSRF token from")


def csrf_failure(request, reason=""):
    """The form's token is no longer valid (signed out, or signed in again in another tab, since
    the page was opened). Django's own page is English and says nothing the user can act on.
    A stale sign-in form holds nothing worth keeping: it leads on to where the user was going
    when that user is signed in already (in another tab), or to a fresh sign-in form. Its
    password is not checked, so another account typed into it is not followed: a page says
    who is signed in and offers to sign out. Only a stale token takes this path: a refused
    Origin or Referer, or no CSRF cookie at all, is a deployment or browser problem that a
    redirect would hide (and loop on)."""
    if request.method == "POST" and request.path == reverse("casework:login") and _stale_token(reason):
        from casework.views.auth import safe_next

        target = safe_next(request)
        if request.user.is_authenticated:
            signed_in = request.user.get_username()
            typed = request.POST.get("username", "").strip()
            if typed.casefold() != signed_in.casefold():
                return render(request, "signed_in_as.html", {"signed_in": signed_in}, status=409)
            messages.info(request, _("You are signed in as %(username)s.") % {"username": signed_in})
            return redirect(target or settings.LOGIN_REDIRECT_URL)
        messages.info(request, _("The sign-in page had been open too long. Please sign in again."))
        return redirect(reverse("casework:login") + (f"?{urlencode({'next': target})}" if target else ""))
    response = render(request, "403_csrf.html", status=403)
    # Under htmx the page is not shown: app.js reads this and says the form expired.
    response["X-Form-Expired"] = "1"
    return response
