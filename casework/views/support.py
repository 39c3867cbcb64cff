"""The support plan of a case (DESIGN.md §9), for holders of the `support` class only. It is
loaded into the case page by htmx, so the case page keeps its query budget (QUALITY P1)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import audit
from casework.access import access_case
from casework.models import AuditEvent, SensitivityClass
from casework.support import plan
from casework.views.common import membership_required


@require_GET
@membership_required
def support_plan(request, code):
    case, held = access_case(request.user, code, need=SensitivityClass.SUPPORT)
    rows = plan(case)
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=case,
        classes=[SensitivityClass.SUPPORT],
        detail={"page": "support-plan", "items": len(rows)},
    )
    return render(request, "casework/_support_plan.html", {"case": case, "rows": rows, "held": held})
