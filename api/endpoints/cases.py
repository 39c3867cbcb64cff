"""GET /api/v1/cases and /api/v1/cases/{code}: the cases the client's agency may see
(`casework.access.visible_cases`, `access_case`), each shown by the same disclosure table as
the case page (`casework.disclosure`): the person only where `identity` is held. Listed newest
first with a cursor (`casework.pagination.newest_first`); every list and view is audited."""

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from api.auth import ClientAuth
from api.models import Scope
from api.schemas import CaseOut, CasePage, ErrorOut
from casework import audit
from casework.access import access_case, holds_class, page_form, visible_cases
from casework.disclosure import shown_sections
from casework.models import AuditEvent, Case, SensitivityClass
from casework.pagination import newest_first

router = Router(tags=["cases"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
RELATED = (
    "person__nationality",
    "person__home_province",
    "person__home_commune",
    "owning_agency",
    "reception_province",
    "reception_commune",
    "destination_country",
)


class CaseQuery(Schema):
    limit: int = Field(25, ge=1, le=100)
    after: uuid.UUID | None = Field(None, description="The `next` of the previous page.")


def case_out(case: Case, held: set[str] | frozenset[str]) -> dict:
    shows = shown_sections(held)
    person = case.person if shows["person"] else None
    return {
        "code": case.public_id,
        "reference": case.reference,
        "status": case.status,
        "person_status": case.person_status,
        "legal_regime": case.legal_regime,
        "is_child": case.is_child,
        "lead_agency": case.owning_agency.code,
        "came_to_notice": case.came_to_notice,
        "received_at": case.received_at,
        "reception_province": case.reception_province.code,
        "reception_commune": case.reception_commune.code if case.reception_commune else None,
        "return_mode": case.return_mode,
        "destination_country": case.destination_country.alpha2 if case.destination_country else None,
        "due_at": case.due_at,
        "classes": sorted(held),
        "person": None
        if person is None
        else {
            "full_name": person.full_name,
            "sex": person.sex,
            "birth_date": person.birth_date,
            "birth_year": person.birth_year,
            "nationality": person.nationality.alpha2 if person.nationality else None,
            "home_province": person.home_province.code if person.home_province else None,
            "home_commune": person.home_commune.code if person.home_commune else None,
        },
    }


@router.get("/cases", response={200: CasePage, **ERRORS}, auth=ClientAuth(Scope.CASES_READ))
def list_cases(request: HttpRequest, query: Query[CaseQuery]):
    """The cases the agency may see, newest first."""
    user = request.user
    form = page_form(user)
    # The page's ids walked on the newest-first index alone, then their rows (decision 335).
    shown = (
        Case.objects.defer("search_name")
        .select_related(*RELATED)
        .annotate(shows_identity=holds_class(user, SensitivityClass.IDENTITY))
    )
    cases = visible_cases(user, **form)
    page = newest_first(cases, cases, number=1, size=query.limit, after=query.after, shown=shown)
    names_shown = any(case.shows_identity for case in page.rows)
    audit.record(
        AuditEvent.Action.LIST,
        actor=user,
        classes=[SensitivityClass.CORE] + ([SensitivityClass.IDENTITY] if names_shown else []),
        detail={"page": "api-cases", "shown": len(page.rows), "after": str(query.after or "")},
    )
    items = [
        case_out(case, {SensitivityClass.CORE} | ({SensitivityClass.IDENTITY} if case.shows_identity else set()))
        for case in page.rows
    ]
    return {"items": items, "next": page.rows[-1].public_id if page.has_next else None}


@router.get("/cases/{code}", response={200: CaseOut, **ERRORS}, auth=ClientAuth(Scope.CASES_READ))
def get_case(request: HttpRequest, code: uuid.UUID):
    """One case; 404 for a case the agency may not see, as for one that does not exist."""
    user = request.user
    case, held = access_case(user, code)
    audit.record(AuditEvent.Action.VIEW, actor=user, case=case, classes=held)
    return case_out(case, held.classes)
