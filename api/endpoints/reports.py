"""POST /api/v1/reports: a hotline 111 intake registered as the web reception registers one.

The body is checked by the wizard's own forms (`PersonForm`, `CaseFactsForm`: the same rules
and messages), the case is made by `casework.actions.do_create_case` for the client's agency,
so grants, the timeline, the audit and routing (commune of reception, the province's social
protection agency) are those of a case registered on the web. Possible duplicates are checked
and audited as the review step does: one the client may see must be confirmed
(`confirm_not_duplicate`), the others' owners are told. An `Idempotency-Key` makes a repeated
call return the case it made (decision 233). The case is left unassigned and the lead's
supervisors are told it needs an assignee (decision 237).
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _
from ninja import Header, Router, Status

from api.auth import ClientAuth
from api.errors import Conflict, Invalid
from api.models import ApiClient, IdempotentReport, Scope
from api.notices import notify_needs_assignee
from api.schemas import DuplicatesOut, ErrorOut, ReportIn, ReportOut
from casework import audit
from casework.access import access_case, may_register_cases, refuse_registration
from casework.actions import do_create_case, do_flag_possible_duplicates
from casework.duplicates import audit_duplicate_check
from casework.forms import CaseFactsForm, PersonForm
from casework.models import AuditEvent, Case, Person
from casework.views.cases import possible_duplicates

router = Router(tags=["reports"])
PICKLISTS = ("exploitation_forms", "means_of_control", "recruitment_methods")
# Reference fields are sent as codes: the forms look them up by this field of their queryset.
BY_CODE = {
    "ethnicity": "code",
    "nationality": "alpha2",
    "home_province": "code",
    "home_commune": "code",
    "reception_province": "code",
    "reception_commune": "code",
    "destination_country": "alpha2",
    **dict.fromkeys(PICKLISTS, "code"),
}
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: DuplicatesOut, 422: ErrorOut, 429: ErrorOut}


def _form_data(values: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, list):
            data.setlist(name, [str(part) for part in value])
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return data


def _bound(form_class, values: dict):
    """The wizard's form over the body, its reference fields looked up by code."""
    values = {**values}
    for name in ("nationality", "destination_country"):
        if values.get(name):
            values[name] = values[name].upper()
    form = form_class(_form_data(values))
    for name, field_name in BY_CODE.items():
        if name in form.fields:
            form.fields[name].to_field_name = field_name
    return form


def _problems(form, prefix: str) -> list[dict]:
    return [
        {"field": f"{prefix}.{name}" if name != "__all__" else prefix, "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]


def _answer(case: Case, created: bool) -> Status:
    body = {"code": case.public_id, "reference": case.reference, "status": case.status, "created": created}
    return Status(201 if created else 200, body)


@router.post(
    "/reports",
    response={201: ReportOut, 200: ReportOut, **ERRORS},
    auth=ClientAuth(Scope.REPORTS_CREATE),
    summary="Register a report (hotline 111 intake) for the client's agency",
)
def create_report(
    request: HttpRequest,
    report: ReportIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
):
    user, client = request.user, request.auth
    assert isinstance(client, ApiClient)
    if not may_register_cases(user):
        refuse_registration(user)
    key = (idempotency_key or "").strip()
    fingerprint = hashlib.sha256(json.dumps(report.model_dump(), sort_keys=True, default=str).encode()).hexdigest()
    if key:
        earlier = IdempotentReport.objects.filter(client=client, key=key).select_related("case").first()
        if earlier is not None:
            return _replay(user, earlier, fingerprint)
    person_form = _bound(PersonForm, report.person.model_dump())
    facts_form = _bound(CaseFactsForm, report.facts.model_dump())
    person_valid, facts_valid = person_form.is_valid(), facts_form.is_valid()
    if not (person_valid and facts_valid):
        raise Invalid(
            _("The report is not valid: see the errors."),
            _problems(person_form, "person") + _problems(facts_form, "facts"),
        )
    visible, others = possible_duplicates(user, person_form.cleaned_data)
    audit_duplicate_check(user, person_form.cleaned_data, visible, others)
    if visible and not report.confirm_not_duplicate:
        return Status(
            409,
            {
                "detail": _("Confirm that you checked the possible duplicates."),
                "duplicates": [case.reference for case in visible],
            },
        )
    try:
        with transaction.atomic():
            case = _register(user, person_form.cleaned_data, facts_form.cleaned_data)
            notify_needs_assignee(case)
            if key:
                IdempotentReport.objects.create(client=client, key=key, fingerprint=fingerprint, case=case)
    except IntegrityError:
        # The same key sent twice at once: the other call registered it. Any other conflict
        # (no key sent, another constraint) is a 409 to retry, never a 500.
        earlier = (
            IdempotentReport.objects.select_related("case").filter(client=client, key=key).first() if key else None
        )
        if earlier is None:
            raise Conflict(_("The report could not be registered because of a simultaneous change. Send it again."))
        return _replay(user, earlier, fingerprint)
    if others:
        do_flag_possible_duplicates(case, others, actor=user)
    return _answer(case, True)


def _replay(user, earlier: IdempotentReport, fingerprint: str):
    """The case the key registered, if the client may still see it (else 404 and a denied
    row, as for any case it may not see), with the view audited (decision 239)."""
    if earlier.fingerprint != fingerprint:
        raise Invalid(_("This Idempotency-Key was already used for another report."), [], status=422)
    case, held = access_case(user, earlier.case.public_id)
    audit.record(AuditEvent.Action.VIEW, actor=user, case=case, classes=held, detail={"idempotent_replay": True})
    return _answer(case, False)


def _register(user, person_data: dict, facts: dict) -> Case:
    """As `casework.views.cases._create_from_wizard`."""
    facts = dict(facts)
    picklists = {name: facts.pop(name) for name in PICKLISTS}
    return do_create_case(
        person=Person(**person_data),
        case=Case(**facts),
        actor=user,
        agency=user.active_membership.agency,
        **picklists,
    )
