"""Who is told of what happens to a referral or a case's task (docs/responsibility.md). The notices are
written through `messaging.notify`; what they may say is referral and case numbers, purpose,
step and agencies — never the person's identity (decision 144)."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from casework.models import Agency, CaseTask, User
from messaging.models import Notification
from messaging.notify import Kind, assigned_worker, bilingual, notify, supervisors
from referrals.models import Referral


def referral_params(referral: Referral) -> dict:
    """What a referral notification may say: numbers, purpose, step and agencies. Names of both
    languages are kept so that each reader gets their own."""
    return {
        "referral": referral.reference,
        "case": referral.case.reference,
        "purpose": bilingual(referral.purpose),
        "from_agency": bilingual(referral.from_agency),
        "to_agency": bilingual(referral.to_agency),
        "step": referral.status,
    }


def notify_referral(
    referral: Referral, *, users: Iterable[User], agency: Agency, kind: str, key: str
) -> list[Notification]:
    return notify(
        users=users,
        agency=agency,
        kind=kind,
        params=referral_params(referral),
        url=reverse("referrals:detail", args=[referral.public_id]),
        key=key,
    )


def notify_task(task: CaseTask) -> list[Notification]:
    """A task the law gives the lead goes to the caseworker the case is assigned to, else to
    the lead's supervisors, who assign it. Case number, task and due time only."""
    case = task.case
    agency = case.owning_agency
    due = timezone.localtime(task.due_at).strftime("%d/%m/%Y %H:%M") if task.due_at else ""
    return notify(
        users=assigned_worker(case, agency) or supervisors(agency),
        agency=agency,
        kind=Kind.TASK_CREATED,
        params={"case": case.reference, "task": task.kind, "due": due},
        url=reverse("casework:case-detail", args=[case.public_id]) + "#tasks",
        key=f"task:{task.pk}",
    )


def step_key(prefix: str, referral: Referral) -> str:
    """A key per referral and step: the same step notified twice is one notification."""
    return f"{prefix}:{referral.pk}:{referral.status}:{referral.status_changed_at.isoformat()}"
