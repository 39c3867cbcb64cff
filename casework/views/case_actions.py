"""POST endpoints that change a case: access (with the capability the action needs) → form →
action → redirect. Who may do what is decided only by `casework.access.can`."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import actions, audit
from casework.access import Capability, access_case, assignable_caseworkers, colleagues_known_to
from casework.actions import CaseworkError
from casework.forms import (
    AssignForm,
    ConsentForm,
    DocumentForm,
    IdentificationForm,
    IncidentForm,
    NoteForm,
    OffenderForm,
    OffenderStageForm,
    ProposalForm,
    ReasonForm,
    ReturnForm,
    TaskDoneForm,
    TransitionForm,
    VerificationForm,
)
from casework.lib.text import parse_pk
from casework.models import AuditEvent, CaseStatus, Document, SensitivityClass
from casework.responsibility import (
    do_complete_task,
    do_propose_identification,
    do_record_return,
    do_record_verification,
)
from casework.views.case_forms import ON_DEMAND, FormRefused, refused_on, refused_page
from casework.views.common import (
    IN_SECTION,
    back_to_case_section,
    form_errors_to_messages,
    membership_required,
    upload_from_request,
)


def case_action(need: str, anchor: str = "", form: str = ""):
    """Wrap a POST handler: fetch the case through access.py with the capability it needs,
    turn refusals into messages. `form` names the on-demand form (case_forms.ON_DEMAND) the
    handler posts from: its refusals (`refused_on`) show that form again as typed."""

    if form and form not in ON_DEMAND:
        raise ValueError(f"no on-demand form {form!r}")

    def decorate(handler):
        @membership_required
        @require_POST
        def view(request, code):
            case, held = access_case(request.user, code, need=need)
            try:
                result = handler(request, case, held)
            except FormRefused as refused:
                if not form:
                    raise TypeError(f"{handler.__name__} refuses with FormRefused but names no form") from refused
                return refused_page(request, case, held, form, handler.__name__, refused)
            except CaseworkError as error:
                # Allowed to try, refused by a rule (an illegal move, a missing reason).
                audit.record(
                    AuditEvent.Action.REFUSED,
                    actor=request.user,
                    case=case,
                    detail={"action": handler.__name__, "reason": str(error)},
                )
                messages.error(request, str(error), extra_tags=IN_SECTION)
                return back_to_case_section(case, anchor)
            return result or back_to_case_section(case, anchor)

        view.__name__ = handler.__name__
        return view

    return decorate


@case_action(Capability.MOVE_STATUS, anchor="status")
def transition(request, case, held):
    form = TransitionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
        return None
    status = form.cleaned_data["status"]
    if status == CaseStatus.CLOSED and not held.can(Capability.CLOSE):
        raise CaseworkError(_("Only the lead agency's caseworkers close a case."))
    actions.do_transition_case(case, status, reason=form.cleaned_data["reason"], actor=request.user)
    messages.success(request, _("Status changed."))
    return None


def _checked_upload(request):
    """The form's optional file, refused before anything is recorded if it is not acceptable."""
    upload = request.FILES.get("file")
    if upload is not None:
        actions.check_document(upload, settings.DOCUMENT_MAX_BYTES)
    return upload


@case_action(Capability.RECORD_IDENTIFICATION, anchor="status", form="identification")
def identification(request, case, held):
    form = IdentificationForm(request.POST, request.FILES, officers=colleagues_known_to(request.user))
    with refused_on(form) as data:
        _checked_upload(request)
        with transaction.atomic():
            _record_identification(request, case, data)
    messages.success(request, _("Identification decision recorded."))
    return None


def _record_identification(request, case, data: dict) -> None:
    actions.do_record_identification(
        case,
        is_victim=data["outcome"] == "victim",
        identified_on=data["identified_on"],
        authority=data["authority"],
        document=data["document"],
        reason=data["reason"],
        grounds=data["grounds"],
        agency=request.user.active_membership.agency,
        officer=data["officer"],
        officer_name=data["officer_name"],
        actor=request.user,
    )
    upload_from_request(
        request,
        case,
        Document.Kind.VICTIM_CONFIRMATION,
        SensitivityClass.IDENTITY,
        data["document"] or str(Document.Kind.VICTIM_CONFIRMATION.label),
    )


@case_action(Capability.PROPOSE_IDENTIFICATION, anchor="status", form="proposal")
def propose_identification(request, case, held):
    with refused_on(ProposalForm(request.POST, request.FILES)) as data:
        _checked_upload(request)
        with transaction.atomic():
            grounds = _("Grounds of the proposal")
            document = upload_from_request(request, case, Document.Kind.OTHER, SensitivityClass.IDENTITY, grounds)
            do_propose_identification(
                case,
                is_victim=data["outcome"] == "victim",
                grounds=data["grounds"],
                grounds_text=data["grounds_text"],
                document=document,
                agency=request.user.active_membership.agency,
                actor=request.user,
            )
    messages.success(request, _("Proposal recorded; the competent body decides."))
    return None


@case_action(Capability.RECORD_VERIFICATION, anchor="status", form="verification")
def verification(request, case, held):
    with refused_on(VerificationForm(request.POST)) as data:
        do_record_verification(
            case, outcome=data["outcome"], concluded_at=data["concluded_at"], note=data["note"], actor=request.user
        )
    messages.success(request, _("Result of initial verification recorded."))
    return None


@case_action(Capability.REOPEN, anchor="status")
def reopen(request, case, held):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
        return None
    actions.do_reopen_case(case, reason=form.cleaned_data["reason"], actor=request.user)
    messages.success(request, _("Case reopened."))
    return None


@case_action(Capability.ASSIGN, anchor="assign", form="assign")
def assign(request, case, held):
    with refused_on(AssignForm(request.POST, caseworkers=assignable_caseworkers(case.owning_agency_id))) as data:
        actions.do_assign_case(case, data["user"], actor=request.user)
    messages.success(request, _("Caseworker assigned."))
    return None


@case_action(Capability.ADD_NOTE, anchor="notes")
def add_note(request, case, held):
    form = NoteForm(request.POST, held=held)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
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


@case_action(Capability.ADD_DOCUMENT, anchor="documents", form="documents")
def upload_document(request, case, held):
    with refused_on(DocumentForm(request.POST, request.FILES, held=held)) as data:
        upload_from_request(request, case, data["kind"], data["sensitivity"], data["title"])
    messages.success(request, _("Document uploaded."))
    return None


@case_action(Capability.RECORD_CONSENT, anchor="consent", form="consents")
def record_consent(request, case, held):
    form = ConsentForm(request.POST)
    with refused_on(form):
        actions.do_record_consent(case, form.save(commit=False), actor=request.user)
    messages.success(request, _("Consent recorded."))
    return None


@case_action(Capability.RECORD_CONSENT, anchor="consent")
def withdraw_consent(request, case, held):
    consent = case.consents.filter(pk=parse_pk(request.POST.get("consent"))).first()
    if consent is None:
        raise CaseworkError(_("That consent record does not exist."))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
        return None
    actions.do_withdraw_consent(consent, reason=form.cleaned_data["reason"], actor=request.user)
    messages.success(request, _("Consent withdrawn."))
    return None


@case_action(Capability.RECORD_INVESTIGATION, anchor="investigation")
def link_incident(request, case, held):
    form = IncidentForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
        return None
    if case.incident_id is not None:
        raise CaseworkError(_("The case is already linked to an incident."))
    actions.do_link_incident(
        case, None, actor=request.user, agency=request.user.active_membership.agency, **form.cleaned_data
    )
    messages.success(request, _("Incident recorded."))
    return None


@case_action(Capability.RECORD_INVESTIGATION, anchor="investigation", form="offenders")
def add_offender(request, case, held):
    if "offender" in request.POST:  # the stage of an offender already recorded
        return _set_offender_stage(request, case)
    form = OffenderForm(request.POST)
    with refused_on(form):
        actions.do_add_offender(case, form.save(commit=False), actor=request.user)
    messages.success(request, _("Offender recorded."))
    return None


def _set_offender_stage(request, case):
    form = OffenderStageForm(request.POST, incident_id=case.incident_id)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
        return None
    actions.do_set_offender_stage(case, form.cleaned_data["offender"], form.cleaned_data["stage"], actor=request.user)
    messages.success(request, _("Stage of the proceedings recorded."))
    return None


@case_action(Capability.RECORD_RETURN, anchor="summary", form="return")
def record_return(request, case, held):
    with refused_on(ReturnForm(request.POST)) as data:
        do_record_return(case, returned_on=data["returned_on"], actor=request.user)
    messages.success(request, _("Return to Vietnam recorded."))
    return None


@case_action(Capability.DO_TASK, anchor="tasks")
def complete_task(request, case, held):
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
        return None
    task = case.tasks.filter(pk=form.cleaned_data["task"]).first()
    if task is None:
        raise CaseworkError(_("That task does not exist."))
    do_complete_task(task, outcome=form.cleaned_data["outcome"], actor=request.user)
    messages.success(request, _("Task recorded as done."))
    return None
