"""Helpers shared by the casework views."""

from functools import wraps

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


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
