"""POST endpoints that change a case: access → form → action → redirect."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import actions, audit
from casework.access import access_case
from casework.actions import CaseworkError
from casework.forms import (
    AssignForm,
    ConsentForm,
    DocumentForm,
    IdentificationForm,
    IncidentForm,
    NoteForm,
    OffenderForm,
    ReasonForm,
    TransitionForm,
)
from casework.lib.text import parse_pk
from casework.models import AuditEvent, Membership, Role, SensitivityClass, User
from casework.views.common import form_errors_to_messages, membership_required


def _back(case, anchor: str = ""):
    response = redirect("casework:case-detail", code=case.public_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def case_action(need: str = "change", anchor: str = ""):
    """Wrap a POST handler: fetch the case through access.py, turn refusals into messages."""

    def decorate(handler):
        @membership_required
        @require_POST
        def view(request, code):
            case, held = access_case(request.user, code, need=need)
            try:
                result = handler(request, case, held)
            except CaseworkError as error:
                # Allowed to try, refused by a rule (an illegal move, a missing reason).
                audit.record(
                    AuditEvent.Action.REFUSED,
                    actor=request.user,
                    case=case,
                    detail={"action": handler.__name__, "reason": str(error)},
                )
                messages.error(request, str(error))
                return _back(case, anchor)
            return result or _back(case, anchor)

        view.__name__ = handler.__name__
        return view

    return decorate


@case_action(anchor="status")
def transition(request, case, held):
    form = TransitionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    actions.do_transition_case(
        case, form.cleaned_data["status"], reason=form.cleaned_data["reason"], actor=request.user
    )
    messages.success(request, _("Status changed."))
    return None


@case_action(anchor="status")
def identification(request, case, held):
    form = IdentificationForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    data = form.cleaned_data
    actions.do_record_identification(
        case,
        is_victim=data["outcome"] == "victim",
        identified_on=data["identified_on"],
        authority=data["authority"],
        document=data["document"],
        reason=data["reason"],
        actor=request.user,
    )
    messages.success(request, _("Identification decision recorded."))
    return None


@case_action(anchor="status")
def reopen(request, case, held):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    actions.do_reopen_case(case, reason=form.cleaned_data["reason"], actor=request.user)
    messages.success(request, _("Case reopened."))
    return None


@case_action(need=SensitivityClass.CORE)
def assign(request, case, held):
    membership = request.user.active_membership
    is_supervisor = membership.agency_id == case.owning_agency_id and membership.role == Role.SUPERVISOR
    if "change" not in held and not is_supervisor:
        # Like every other change endpoint: not allowed looks like not found.
        audit.record(AuditEvent.Action.DENIED, actor=request.user, case=case, detail={"need": "assign"})
        raise Http404
    caseworkers = Membership.objects.filter(
        agency_id=case.owning_agency_id, role=Role.CASEWORKER, is_active=True
    ).values_list("user", flat=True)
    form = AssignForm(request.POST, caseworkers=User.objects.filter(pk__in=caseworkers))
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    actions.do_assign_case(case, form.cleaned_data["user"], actor=request.user)
    messages.success(request, _("Caseworker assigned."))
    return None


@case_action(anchor="notes")
def add_note(request, case, held):
    form = NoteForm(request.POST, held=held)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    actions.do_add_note(
        case,
        body=form.cleaned_data["body"],
        sensitivity=form.cleaned_data["sensitivity"],
        actor=request.user,
        agency=request.user.active_membership.agency,
    )
    messages.success(request, _("Note added."))
    return None


@case_action(anchor="documents")
def upload_document(request, case, held):
    form = DocumentForm(request.POST, request.FILES, held=held)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    actions.do_upload_document(
        case,
        upload=form.cleaned_data["file"],
        kind=form.cleaned_data["kind"],
        sensitivity=form.cleaned_data["sensitivity"],
        title=form.cleaned_data["title"],
        actor=request.user,
        agency=request.user.active_membership.agency,
        max_bytes=settings.DOCUMENT_MAX_BYTES,
    )
    messages.success(request, _("Document uploaded."))
    return None


def _require_owner(request, case) -> None:
    """Consent is the owning agency's record: a receiving agency must not authorise itself."""
    if request.user.active_membership.agency_id != case.owning_agency_id:
        audit.record(AuditEvent.Action.DENIED, actor=request.user, case=case, detail={"need": "owning agency"})
        raise Http404


@case_action(anchor="consent")
def record_consent(request, case, held):
    _require_owner(request, case)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    actions.do_record_consent(case, form.save(commit=False), actor=request.user)
    messages.success(request, _("Consent recorded."))
    return None


@case_action(anchor="consent")
def withdraw_consent(request, case, held):
    _require_owner(request, case)
    consent = case.consents.filter(pk=parse_pk(request.POST.get("consent"))).first()
    if consent is None:
        raise CaseworkError(_("That consent record does not exist."))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    actions.do_withdraw_consent(consent, reason=form.cleaned_data["reason"], actor=request.user)
    messages.success(request, _("Consent withdrawn."))
    return None


@case_action(need="change", anchor="investigation")
def link_incident(request, case, held):
    if SensitivityClass.INVESTIGATION not in held:
        raise CaseworkError(_("You may not see investigation data of this case."))
    form = IncidentForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    if case.incident_id is not None:
        raise CaseworkError(_("The case is already linked to an incident."))
    actions.do_link_incident(
        case, None, actor=request.user, agency=request.user.active_membership.agency, **form.cleaned_data
    )
    messages.success(request, _("Incident recorded."))
    return None


@case_action(need="change", anchor="investigation")
def add_offender(request, case, held):
    if SensitivityClass.INVESTIGATION not in held:
        raise CaseworkError(_("You may not see investigation data of this case."))
    form = OffenderForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return None
    actions.do_add_offender(case, form.save(commit=False), actor=request.user)
    messages.success(request, _("Offender recorded."))
    return None
