"""What the API tells people: a report registered through the API has no assignee (decision
237), so the lead agency's supervisors (or, where it has none, its administrators) are told
that the case needs one, through the notices of `messaging.notify`."""

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from casework.models import Case, Role
from messaging.models import Notification
from messaging.notify import members, notify, supervisors

NEEDS_ASSIGNEE = _("assign a caseworker to this case, reported by a partner system")


def notify_needs_assignee(case: Case) -> list[Notification]:
    """A `task_created` notice (case number, the task and the case's deadline only): the task is
    sent in both languages, as the notices carry names (`messaging.notify.bilingual`)."""
    agency = case.owning_agency
    task = {}
    for language in ("vi", "en"):
        with translation.override(language):
            task[language] = str(NEEDS_ASSIGNEE)
    due = timezone.localtime(case.due_at).strftime("%d/%m/%Y %H:%M") if case.due_at else ""
    return notify(
        users=supervisors(agency) or members(agency, Role.AGENCY_ADMIN),
        agency=agency,
        kind=Notification.Kind.TASK_CREATED,
        params={"case": case.reference, "task": task, "due": due},
        url=reverse("casework:case-detail", args=[case.public_id]),
        key=f"needs-assignee:{case.pk}",
    )
