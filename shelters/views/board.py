"""The occupancy board: counts for every agency, the bed grid and residents for the
facility's own staff. Parts refresh in place through htmx."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import audit
from casework.lib.person_name import names_shown
from casework.models import AuditEvent, SensitivityClass
from casework.views.common import membership_required, record_read
from shelters import access

# Residents, placements and visits shown on the facility page; a facility holds tens of people.
LIST_LIMIT = 200


@require_GET
@membership_required
def board(request):
    """Free, held and occupied beds of every facility: counts only, no one's data."""
    record_read(request, AuditEvent.Action.LIST, detail={"page": "shelter-board"})
    return render(
        request,
        "shelters/board.html",
        {"facilities": list(access.board()), "own": access.own_facility(request.user)},
    )


@require_GET
@membership_required
def board_counts(request):
    record_read(request, AuditEvent.Action.LIST, detail={"page": "shelter-board-counts"})
    return render(request, "shelters/_board_counts.html", {"facilities": list(access.board())})


@require_GET
@membership_required
def facility(request, facility):
    user = request.user
    facility = access.access_facility(user, facility)
    residents = list(access.residents(user, facility)[:LIST_LIMIT])
    awaiting = list(access.awaiting_admission(user, facility)[:LIST_LIMIT])
    followups = list(access.followups_due(user, facility)[:LIST_LIMIT])
    identity_shown = names_shown(residents + awaiting + followups)
    since = access.since_figures(facility) if access.may_see_since(user, facility) else None
    audit.record(
        AuditEvent.Action.LIST,
        actor=user,
        classes=[SensitivityClass.CORE, SensitivityClass.SHELTER]
        + ([SensitivityClass.IDENTITY] if identity_shown else []),
        detail={
            "page": "facility",
            "facility": facility.code,
            "residents": len(residents),
            "awaiting": len(awaiting),
            "followups": len(followups),
            "since_figures": since is not None,
        },
    )
    counts = access.board().filter(pk=facility.pk).first()
    return render(
        request,
        "shelters/facility.html",
        {
            "facility": facility,
            "counts": counts,
            "beds": list(access.beds(facility)),
            "residents": residents,
            "awaiting": awaiting,
            "followups": followups,
            "since": since,
        },
    )


@require_GET
@membership_required
def beds(request, facility):
    facility = access.access_facility(request.user, facility)
    record_read(
        request,
        AuditEvent.Action.LIST,
        obj=facility,
        classes=[SensitivityClass.SHELTER],
        detail={"page": "beds", "facility": facility.code},
    )
    return render(
        request,
        "shelters/_beds.html",
        {
            "facility": facility,
            "beds": list(access.beds(facility)),
            "counts": access.board().filter(pk=facility.pk).first(),
        },
    )
