"""What export and import jobs share: claiming a job by compare-and-set, finishing it only
while the claim holds, giving it up after repeated broken runs, and running it as the
membership it was asked under.

A job row carries `claim` (the token of the run holding it), `heartbeat_at` (its last sign
of life) and `attempts`. Only the run whose token is in the row may write progress or the
result, so a message delivered twice, or a run that went quiet and was taken over, can never
overwrite another's work (QUALITY R2).
"""

import datetime
import logging
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import DatabaseError
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone, translation

from casework.access import active_membership, deny
from casework.models import Membership, User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
QUEUED, RUNNING, FAILED = "queued", "running", "failed"


class LostClaim(Exception):
    """Another run holds the job now (a redelivered message took over a stale run)."""


class JobFailed(Exception):
    """A reason the job cannot be done, for the person who asked (an English msgid)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def stale_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.CAUNOI_EXPORT_STALE_SECONDS)


def claimable() -> Q:
    """Waiting, or running without a sign of life (its worker was killed)."""
    return Q(status=QUEUED) | Q(status=RUNNING, heartbeat_at__lt=stale_before())


def claim(model: type[Model], job_id: int, *, broke: str) -> uuid.UUID | None:
    """Take the job for this run; None when another run holds it or it is over. A job that
    broke its workers MAX_ATTEMPTS times is failed with `broke` instead of retried forever."""
    now = timezone.now()
    model.objects.filter(claimable(), pk=job_id, attempts__gte=MAX_ATTEMPTS).update(
        status=FAILED, error=broke, claim=None, finished_at=now
    )
    token = uuid.uuid4()
    claimed = model.objects.filter(claimable(), pk=job_id).update(
        status=RUNNING, claim=token, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now, done=0, error=""
    )
    return token if claimed else None


def finish(job: Model, token: uuid.UUID, *, status: str, **fields) -> bool:
    """Write the outcome, if this run still holds the job."""
    mine = type(job).objects.filter(pk=job.pk, claim=token, status=RUNNING)
    return bool(mine.update(status=status, claim=None, finished_at=timezone.now(), **fields))


def run(model: type[Model], job_id: int, work: Callable, *, broke: str) -> tuple[Model | None, dict | None, bool]:
    """Claim the job and do `work(job, token)`, which returns the fields of the outcome
    (with its status). Returns the job (None if it was not claimed), the outcome (None if
    the work did not complete) and whether the outcome was written. A database error gives
    the job back for the task's retry; anything else unexpected fails it with `broke`,
    logged, never shown as a traceback."""
    token = claim(model, job_id, broke=broke)
    if token is None:
        return None, None, False
    job = model.objects.select_related("agency", "requested_by").get(pk=job_id)
    with translation.override(job.language):
        try:
            outcome = work(job, token)
        except LostClaim:
            return job, None, False
        except JobFailed as failure:
            finish(job, token, status=FAILED, error=failure.message)
            return job, None, False
        except DatabaseError:
            # Transient: give the job back so the retry (or the requeue tick) can claim it.
            model.objects.filter(pk=job.pk, claim=token).update(status=QUEUED, claim=None)
            raise
        except Exception:
            log.exception("%s %s failed", model._meta.model_name, job.public_id)
            finish(job, token, status=FAILED, error=broke)
            return job, None, False
    return job, outcome, finish(job, token, **outcome)


def stalled_job_ids(model: type[Model], limit: int = 100) -> list[int]:
    """Jobs no run has shown a sign of life for in CAUNOI_EXPORT_STALE_SECONDS."""
    unfinished = Q(status__in=[QUEUED, RUNNING])
    return list(
        model.objects.filter(unfinished, heartbeat_at__lt=stale_before())
        .order_by("heartbeat_at")
        .values_list("pk", flat=True)[:limit]
    )


def acting_member(job: Model, roles: Iterable[str], *, ended: str) -> User:
    """The requester acting for the job's agency and role, as the middleware would attach
    her; the job fails with `ended` if that membership has ended or is not one of `roles`."""
    membership = (
        Membership.objects.select_related("agency", "agency_group")
        .filter(
            user_id=job.requested_by_id,
            agency_id=job.agency_id,
            role=job.role,
            is_active=True,
            agency__is_active=True,
            user__is_active=True,
        )
        .first()
    )
    if membership is None or membership.role not in roles:
        raise JobFailed(ended)
    user = job.requested_by
    user.active_membership = membership
    return user


# ----- what the job pages share ------------------------------------------------------------


def member_or_404(request, roles: Iterable[str]) -> Membership:
    """The active membership, if its role may use these pages; else 404 and a denied row."""
    membership = active_membership(request.user)
    if membership is None or membership.role not in roles:
        deny(request.user, {"page": request.resolver_match.url_name})
    return membership


def mine(model: type[Model], request, membership: Membership) -> QuerySet:
    """The jobs the user asked for under the membership she is acting for now."""
    return model.objects.filter(requested_by_id=request.user.pk, agency_id=membership.agency_id, role=membership.role)


def own_job_or_404(model: type[Model], request, public_id, roles: Iterable[str]) -> Model:
    """One of her own jobs; anything else is the same 404 as a job that does not exist."""
    job = mine(model, request, member_or_404(request, roles)).filter(public_id=public_id).first()
    if job is None:
        deny(request.user, {model._meta.model_name.removesuffix("job"): str(public_id)})
    return job
