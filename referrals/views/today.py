"""The "Hôm nay" page: what waits for the user and the active agency, overdue first."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import audit
from casework.models import AuditEvent, SensitivityClass
from casework.views.common import membership_required
from referrals.today import unread_notifications, waiting_for


@membership_required
@require_GET
def today(request):
    user = request.user
    items = waiting_for(user)
    notifications = unread_notifications(user)
    names_shown = any(item.name for item in items)
    audit.record(
        AuditEvent.Action.LIST,
        actor=user,
        classes=[SensitivityClass.CORE] + ([SensitivityClass.IDENTITY] if names_shown else []),
        detail={
            "page": "today",
            "shown": len(items),
            "overdue": sum(item.overdue for item in items),
            "notifications": len(notifications),
        },
    )
    return render(request, "referrals/today.html", {"items": items, "notifications": notifications})
