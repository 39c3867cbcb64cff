import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


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
