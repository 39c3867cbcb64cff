"""Server-side drafts of multi-step forms (decision 196).

A draft belongs to one user acting for one agency (and, for a case's form, one case). Only
its owner ever reads it; it is deleted when the form is completed or discarded, and purged
after CAUNOI_DRAFT_DAYS without a change. Its payload is personal data as typed: it is never
written to a log or an audit row — the audit says only that a draft was created, resumed or
discarded, and which step it was at.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from casework import audit
from casework.models import AuditEvent, Draft


def _cutoff() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=settings.CAUNOI_DRAFT_DAYS)


def current(user, kind: str, *, case=None) -> Draft | None:
    """The user's live draft of `kind` for the agency they act for (and `case`), or None."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return None
    return (
        Draft.objects.filter(user=user, agency_id=membership.agency_id, kind=kind, case=case)
        .filter(updated_at__gte=_cutoff())
        .first()
    )


def owned(user, public_id) -> Draft:
    """The user's own draft by its id: anyone else's, or an expired one, is a 404 (audited as denied)."""
    membership = getattr(user, "active_membership", None)
    draft = (
        Draft.objects.filter(public_id=public_id, user=user, updated_at__gte=_cutoff()).first()
        if membership is not None
        else None
    )
    if draft is None or draft.agency_id != membership.agency_id:
        audit.record(AuditEvent.Action.DENIED, actor=user, detail={"page": "draft", "draft": str(public_id)})
        raise Http404
    return draft


def keep(user, kind: str, payload: dict, *, case=None) -> Draft:
    """Store `payload` as the user's draft of `kind`, creating it (audited) when there is none."""
    agency = user.active_membership.agency
    draft = current(user, kind, case=case)
    if draft is not None:
        draft.payload = payload
        draft.save(update_fields=["payload", "updated_at"])
        return draft
    # An expired draft of the same key is replaced, not resumed.
    Draft.objects.filter(user=user, agency=agency, kind=kind, case=case).delete()
    try:
        with transaction.atomic():
            draft = Draft.objects.create(user=user, agency=agency, kind=kind, case=case, payload=payload)
    except IntegrityError:  # a second tab created it at the same moment
        draft = Draft.objects.get(user=user, agency=agency, kind=kind, case=case)
        draft.payload = payload
        draft.save(update_fields=["payload", "updated_at"])
        return draft
    _audit(AuditEvent.Action.CREATE, user, draft, "created")
    return draft


def resumed(user, draft: Draft) -> None:
    _audit(AuditEvent.Action.VIEW, user, draft, "resumed")


def discard(user, draft: Draft, *, completed: bool = False) -> None:
    """Delete the draft: the form was completed (the case's own audit row says so) or the user
    threw it away (audited here)."""
    if not completed:
        _audit(AuditEvent.Action.UPDATE, user, draft, "discarded")
    draft.delete()


def _audit(action: str, user, draft: Draft, event: str) -> None:
    # Never the payload: only which draft, of what kind, at which step.
    audit.record(
        action,
        actor=user,
        obj=draft,
        case=draft.case,
        detail={"draft": draft.kind, "event": event, "step": draft.payload.get("step", "")},
    )


def purge_expired(*, user=None) -> int:
    """Delete drafts untouched for CAUNOI_DRAFT_DAYS (of `user` only, when given)."""
    drafts = Draft.objects.filter(updated_at__lt=_cutoff())
    if user is not None:
        drafts = drafts.filter(user=user)
    deleted, _per_model = drafts.delete()
    return deleted
