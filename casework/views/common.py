"""Helpers shared by the casework views."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from casework import actions, audit
from casework.middleware import is_background
from casework.models import AuditEvent, Document


def membership_required(view):
    """Signed in and acting for an agency (the active membership)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request.user, "active_membership", None) is None:
            return redirect("casework:choose-agency")
        return view(request, *args, **kwargs)

    return wrapper


def upload_from_request(request, case, kind: str, sensitivity: str, title: str) -> Document | None:
    """The request's file, if one was sent, as a document of the case by the acting user."""
    upload = request.FILES.get("file")
    if upload is None:
        return None
    return actions.do_upload_document(
        case,
        upload=upload,
        kind=kind,
        sensitivity=sensitivity,
        title=title,
        actor=request.user,
        agency=request.user.active_membership.agency,
        max_bytes=settings.DOCUMENT_MAX_BYTES,
    )


# Tag of a refusal that belongs beside the form that was used (templates/_messages.html).
IN_SECTION = "in-section"


def record_read(request, action: str = AuditEvent.Action.VIEW, **kwargs) -> None:
    """Audit a page that shows data. A background poll (BACKGROUND_HEADER) is not recorded: it
    refreshes a page whose load was recorded, and stops with the session (decision 174)."""
    if not is_background(request):
        audit.record(action, actor=request.user, **kwargs)


def record_invalid_form(request, form, *, case=None, action: str = "") -> None:
    """A case action refused because its form did not validate: a `refused` row naming the
    fields in error, never what was typed (decision 174)."""
    match = getattr(request, "resolver_match", None)
    audit.record(
        AuditEvent.Action.REFUSED,
        actor=request.user,
        case=case,
        detail={
            "action": action or (match.url_name if match else ""),
            "reason": "invalid form",
            "fields": sorted(form.errors),
        },
    )


def form_errors_to_messages(request, form, *, case=None) -> None:
    """Errors of a form posted from a page section, as messages shown after the redirect
    inside that section when the page names it (see `back_to_case_section`). The refusal is
    audited, against `case` when there is one."""
    record_invalid_form(request, form, case=case)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error, extra_tags=IN_SECTION)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# The case page's sections an action may return to (their element ids in case_detail.html).
CASE_SECTIONS = frozenset(
    {"summary", "person", "investigation", "consent", "notes", "documents", "status", "tasks", "assign", "same-person"}
)


def back_to_case_section(case, section: str):
    """Redirect to the case page at the section whose form was used. The page shows that
    action's refusals inside the section (`?section=`, messages tagged IN_SECTION), not at the
    top of the page the browser has scrolled away from; other messages stay at the top."""
    response = redirect("casework:case-detail", code=case.public_id)
    if section in CASE_SECTIONS:
        response["Location"] += f"?section={section}#{section}"
    return response
