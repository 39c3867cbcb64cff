"""Helpers shared by the casework views."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


def membership_required(view):
    """Signed in and acting for an agency (the active membership)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request.user, "active_membership", None) is None:
            return redirect("casework:choose-agency")
        return view(request, *args, **kwargs)

    return wrapper


def form_errors_to_messages(request, form) -> None:
    """Errors of a form posted from a page section, as messages shown after the redirect."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
