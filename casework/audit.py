"""Writing audit rows. Callers write them inside the transaction of the work they record."""

import contextvars
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from casework.models import Agency, AuditEvent, Case


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None
    agency_id: int | None


# Set by ActiveMembershipMiddleware for the duration of a request, so that actions called
# from views, tasks and commands alike record the IP and active agency when there is one.
current_request: contextvars.ContextVar[RequestMeta | None] = contextvars.ContextVar("current_request", default=None)


def record(
    action: str,
    *,
    actor=None,
    case: Case | None = None,
    obj=None,
    classes: Iterable[str] = (),
    agency: Agency | None = None,
    username: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    entry_ = entry(
        action, actor=actor, case=case, obj=obj, classes=classes, agency=agency, username=username, detail=detail
    )
    entry_.save()
    return entry_


def entry(action: str, **fields) -> AuditEvent:
    """The audit row `record` writes, unsaved (the fields of `values`)."""
    return AuditEvent(**values(action, **fields))


def values(
    action: str,
    *,
    actor=None,
    case: Case | None = None,
    obj=None,
    classes: Iterable[str] = (),
    agency: Agency | None = None,
    username: str = "",
    detail: dict | None = None,
) -> dict:
    """The fields of an audit row: what `entry` makes a row of, and what bulk actions insert
    without a model instance each (`casework/bulk.py`)."""
    meta = current_request.get()
    agency_id = agency.pk if agency is not None else (meta.agency_id if meta else None)
    signed_in = actor is not None and actor.is_authenticated
    return {
        "at": timezone.now(),
        "actor": actor if signed_in else None,
        "agency_id": agency_id,
        "action": action,
        "object_type": obj._meta.model_name if obj is not None else ("case" if case is not None else ""),
        "object_id": str(getattr(obj, "public_id", None) or getattr(obj, "pk", "") or (case.public_id if case else "")),
        "case": case,
        "classes": sorted(set(classes)),
        "username": username or (actor.get_username() if signed_in else ""),
        "ip": meta.ip if meta else None,
        "detail": detail or {},
    }
