"""Case list, case page, new-case wizard and document download."""

import logging
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework import audit
from casework.access import (
    Capability,
    access_case,
    access_document,
    capabilities,
    colleagues_known_to,
    may_register_cases,
    refuse_registration,
    visible_cases,
    why_visible,
)
from casework.actions import do_create_case, do_flag_possible_duplicates
from casework.case_filters import MORE_FILTERS, filter_badges, filter_cases, filter_form
from casework.duplicates import person_match
from casework.forms import (
    PAGING,
    AssignForm,
    CaseFactsForm,
    ConfirmForm,
    ConsentForm,
    DocumentForm,
    IdentificationForm,
    IncidentForm,
    NoteForm,
    OffenderForm,
    PersonForm,
    ProposalForm,
    ReasonForm,
    ReturnForm,
    TaskDoneForm,
    TransitionForm,
    VerificationForm,
)
from casework.lib.identifiers import identifier_digest
from casework.lib.text import normalize_document_number, normalize_name
from casework.models import (
    IDENTIFICATION_OUTCOMES,
    AuditEvent,
    Case,
    CaseEvent,
    CaseStatus,
    Consent,
    Membership,
    Offender,
    Person,
    RegistrationToken,
    Role,
    SensitivityClass,
    User,
)
from casework.pagination import newest_first
from casework.review import review_rows
from casework.views.common import CASE_SECTIONS, is_htmx, membership_required

log = logging.getLogger(__name__)
PAGE_SIZE = 25

# Who holds a case and who registered the person elsewhere is for the owning agency only:
# a grant event names the shelter, which a holder of `core` must not learn.
OWNER_ONLY_EVENTS = {
    CaseEvent.Kind.GRANT,
    CaseEvent.Kind.REVOKE,
    CaseEvent.Kind.ASSIGNED,
    CaseEvent.Kind.POSSIBLE_DUPLICATE,
    CaseEvent.Kind.CONSENT,
    CaseEvent.Kind.CONSENT_WITHDRAWN,
    CaseEvent.Kind.REFERRAL,
}


@membership_required
def case_list(request):
    user = request.user
    form = filter_form(request.GET)
    filters = form.valid_data() if request.GET else {}
    cases = filter_cases(user, filters).select_related("person", "owning_agency", "reception_province", "assigned_to")
    query = (filters.get("q") or "").strip()
    page = newest_first(
        cases,
        visible_cases(user),
        number=filters.get("page") or 1,
        size=PAGE_SIZE,
        after=filters.get("after"),
        before=filters.get("before"),
    )
    audit.record(
        AuditEvent.Action.SEARCH if query else AuditEvent.Action.LIST,
        actor=user,
        detail={
            "filters": {name: str(value) for name, value in filters.items() if value not in (None, "", False)},
            "shown": len(page.rows),
            "page": page.number,
        },
    )
    params = request.GET.copy()
    for key in PAGING:
        params.pop(key, None)
    context = {
        "form": form,
        "cases": page.rows,
        "page": page,
        "query_string": params.urlencode(),
        "more_filters": [form[name] for name in MORE_FILTERS],
        "filter_badges": filter_badges(form, filters, request.GET),
        "export_params": form.params() if request.GET else {},
    }
    template = "casework/_case_results.html" if is_htmx(request) else "casework/case_list.html"
    return render(request, template, context)


def _case_picklists(case: Case) -> dict[str, list]:
    """The three HTCDS picklists of a case in one query."""
    through_models = {
        "exploitation_forms": Case.exploitation_forms.through,
        "means_of_control": Case.means_of_control.through,
        "recruitment_methods": Case.recruitment_methods.through,
    }
    parts = [
        model.objects.filter(case_id=case.pk).values_list(
            "picklistvalue__name", "picklistvalue__name_en", "picklistvalue__list_name"
        )
        for model in through_models.values()
    ]
    english = (get_language() or "vi").startswith("en")
    found: dict[str, list] = {"exploitation_type": [], "means_of_control": [], "recruitment_method": []}
    for name, name_en, list_name in parts[0].union(*parts[1:], all=True):
        found.setdefault(list_name, []).append(name_en if english and name_en else name)
    return found


@membership_required
def case_detail(request, code):
    user = request.user
    case, held = access_case(user, code)
    audit.record(AuditEvent.Action.VIEW, actor=user, case=case, classes=held)
    acting_for_owner = held.is_lead
    caps = capabilities(held)
    # Who holds identity reads the corrected values on their own line; the core line that says
    # only "identity details corrected" is for the others.
    hidden = {CaseEvent.Kind.IDENTITY_UPDATED} if SensitivityClass.IDENTITY in held else set()
    events = [
        event
        for event in case.events.select_related("actor", "agency")[:100]
        if event.sensitivity in held
        and (acting_for_owner or event.kind not in OWNER_ONLY_EVENTS)
        and event.kind not in hidden
    ]
    consents = case.consents.select_related("agency", "agency_kind")
    if not acting_for_owner:
        # Another agency sees only the consents that concern it, not whom else the case is shared with.
        agency = user.active_membership.agency
        consents = consents.filter(Consent.concerning(agency))
    context = {
        "case": case,
        "held": held,
        "caps": caps,
        "picklists": _case_picklists(case),
        "events": events,
        "notes": [note for note in case.notes.select_related("author", "agency") if note.sensitivity in held],
        "documents": [doc for doc in case.documents.all() if doc.sensitivity in held],
        "consents": consents,
        "acting_for_owner": acting_for_owner,
        "grants": why_visible(user, case, held),
        "leads": list(case.leads.select_related("agency")),
        "tasks": list(case.tasks.all()),
        "proposals": list(case.identification_proposals.filter(status="open").select_related("agency")),
        # The section whose form was just used shows this request's messages (base.html then
        # shows none at the top).
        "message_section": request.GET.get("section") if request.GET.get("section") in CASE_SECTIONS else None,
    }
    if SensitivityClass.INVESTIGATION in held and case.incident_id:
        context["offenders"] = list(case.incident.offenders.select_related("nationality"))
    if Capability.SEE_WHO in caps:
        seen = [AuditEvent.Action.VIEW, AuditEvent.Action.DOWNLOAD]
        context["viewers"] = case.audit_events.filter(action__in=seen).select_related("actor", "agency")[:50]
    context.update(_action_forms(case, held, caps, user))
    return render(request, "casework/case_detail.html", context)


def _action_forms(case: Case, held, caps: frozenset[str], user) -> dict:
    """A blank form for each action the user may take here, and no other."""
    forms = {}
    if Capability.ASSIGN in caps:
        caseworkers = Membership.objects.filter(
            agency_id=case.owning_agency_id, role=Role.CASEWORKER, is_active=True
        ).values_list("user", flat=True)
        forms["assign_form"] = AssignForm(
            caseworkers=User.objects.filter(pk__in=caseworkers).order_by("username"),
            cache_key=f"caseworkers:{case.owning_agency_id}",
            initial={"user": case.assigned_to_id},
        )
    if Capability.MOVE_STATUS in caps:
        moves = [(status, CaseStatus(status).label) for status in case.allowed_moves()]
        allowed = [(value, label) for value, label in moves if value not in IDENTIFICATION_OUTCOMES]
        transition_form = TransitionForm()
        transition_form.fields["status"].choices = [("", _("— choose —")), *allowed] if allowed else []
        forms["transition_form"] = transition_form
    if caps & {Capability.MOVE_STATUS, Capability.REOPEN, Capability.RECORD_CONSENT}:
        forms["reason_form"] = ReasonForm()
    if Capability.RECORD_IDENTIFICATION in caps:
        agency = user.active_membership.agency
        forms["identification_form"] = IdentificationForm(
            officers=colleagues_known_to(user),
            initial={"authority": agency.label, "identified_on": timezone.localdate()},
        )
    if Capability.PROPOSE_IDENTIFICATION in caps:
        forms["proposal_form"] = ProposalForm()
    if Capability.RECORD_VERIFICATION in caps and case.verification_started_at and not case.verification_concluded_at:
        forms["verification_form"] = VerificationForm(
            initial={"concluded_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
    if Capability.ADD_NOTE in caps:
        forms["note_form"] = NoteForm(held=held)
    if Capability.ADD_DOCUMENT in caps:
        forms["document_form"] = DocumentForm(held=held)
    if Capability.RECORD_CONSENT in caps:
        forms["consent_form"] = ConsentForm()
    if Capability.RECORD_INVESTIGATION in caps:
        forms["incident_form"] = IncidentForm()
        forms["offender_form"] = OffenderForm()
        if case.incident_id:
            forms["unlink_form"] = ReasonForm()
        # The stage of an offender already recorded, chosen from the offenders on the page.
        forms["offender_stages"] = [("", _("not recorded")), *Offender.Stage.choices]
    if Capability.RECORD_RETURN in caps and case.abroad:
        forms["return_form"] = ReturnForm(initial={"returned_on": timezone.localdate()})
    if Capability.DO_TASK in caps:
        forms["task_form"] = TaskDoneForm()
    return forms


@membership_required
def document_download(request, code, document):
    user = request.user
    document, case = access_document(user, code, document)
    try:
        stored = document.file.open("rb")
    except FileNotFoundError:
        log.error("document %s of case %s is missing from storage", document.public_id, case.reference)
        raise Http404 from None
    audit.record(AuditEvent.Action.DOWNLOAD, actor=user, case=case, obj=document, classes=[document.sensitivity])
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[document.content_type]
    response = FileResponse(
        stored,
        content_type=document.content_type,
        as_attachment=True,
        filename=f"{case.reference}-{document.kind}.{extension}",
    )
    return response


# New-case wizard ---------------------------------------------------------------------------
#
# What was typed in each step is kept in the session, valid or not, so going back and forth
# or an error on a later step never loses it.

WIZARD_KEY = "new_case_wizard"
WIZARD_STEPS = ("person", "facts", "review")


def _wizard_data(request) -> dict:
    return request.session.get(WIZARD_KEY, {})


def _store_step(request, step: str, post: QueryDict) -> None:
    data = _wizard_data(request)
    data[step] = {key: values for key, values in post.lists() if key != "csrfmiddlewaretoken"}
    request.session[WIZARD_KEY] = data


def _bound(form_class, stored: dict | None):
    if stored is None:
        return None
    query = QueryDict(mutable=True)
    for key, values in stored.items():
        query.setlist(key, values)
    return form_class(query)


def possible_duplicates(user, person_data: dict) -> tuple[list[Case], list[Case]]:
    """Cases of the same person: exactly the same normalised full name, birth year and home
    province, or the same document number. Returns those the user may see and the others.

    Matching is exact on purpose: a prefix match would let anyone spell out a registered
    victim's name letter by letter.
    """
    birth_date = person_data.get("birth_date")
    matches = person_match(
        full_name=person_data.get("full_name", ""),
        birth_year=person_data.get("birth_year") or (birth_date.year if birth_date else None),
        home_province=person_data.get("home_province"),
        document_number=person_data.get("document_number", ""),
    )
    if matches is None:
        return [], []
    people = Person.objects.filter(matches).values("pk")
    candidates = list(Case.objects.filter(person__in=people).select_related("person", "owning_agency")[:50])
    visible_ids = set(
        visible_cases(user, SensitivityClass.IDENTITY)
        .filter(pk__in=[case.pk for case in candidates])
        .values_list("pk", flat=True)
    )
    visible = [case for case in candidates if case.pk in visible_ids]
    others = [case for case in candidates if case.pk not in visible_ids]
    return visible, others


def _audit_duplicate_check(user, person_data: dict, visible: list, others: list) -> None:
    number = normalize_document_number(person_data.get("document_number", ""))
    province = person_data.get("home_province")
    audit.record(
        AuditEvent.Action.SEARCH,
        actor=user,
        detail={
            "duplicate_check": True,
            "name": normalize_name(person_data.get("full_name", "")),
            "birth_year": person_data.get("birth_year"),
            "province": province.code if province else None,
            "document_hmac": identifier_digest(number) if number else None,
            "visible": len(visible),
            "elsewhere": len(others),
        },
    )


@membership_required
def case_create(request, step="person"):
    if not may_register_cases(request.user):
        refuse_registration(request.user)
    if step not in WIZARD_STEPS:
        return redirect("casework:case-create", step="person")
    if request.method == "GET" and request.GET.get("restart"):
        request.session.pop(WIZARD_KEY, None)
        return redirect("casework:case-create", step="person")
    stored = _wizard_data(request)
    forms = {"person": PersonForm, "facts": CaseFactsForm}
    if step in forms:
        form = (
            forms[step](request.POST)
            if request.method == "POST"
            else (_bound(forms[step], stored.get(step)) or forms[step]())
        )
        if request.method == "POST":
            _store_step(request, step, request.POST)
            if "back" in request.POST:
                return redirect("casework:case-create", step=WIZARD_STEPS[WIZARD_STEPS.index(step) - 1])
            if form.is_valid():
                return redirect("casework:case-create", step=WIZARD_STEPS[WIZARD_STEPS.index(step) + 1])
        status = 400 if request.method == "POST" else 200
        return render(
            request, "casework/case_create.html", {"form": form, "step": step, "steps": WIZARD_STEPS}, status=status
        )
    return _wizard_review(request, stored)


def _wizard_review(request, stored: dict):
    person_form = _bound(PersonForm, stored.get("person"))
    facts_form = _bound(CaseFactsForm, stored.get("facts"))
    if person_form is None or not person_form.is_valid():
        return redirect("casework:case-create", step="person")
    if facts_form is None or not facts_form.is_valid():
        return redirect("casework:case-create", step="facts")
    token = _registration_token(request, stored)
    if request.method == "POST" and "back" not in request.POST:
        earlier = RegistrationToken.objects.filter(token=token, user=request.user).select_related("case").first()
        if earlier is not None:  # this sitting already registered its case (decision 163)
            return _already_registered(request, earlier.case)
    visible, others = possible_duplicates(request.user, person_form.cleaned_data)
    _audit_duplicate_check(request.user, person_form.cleaned_data, visible, others)
    confirm = ConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if "back" in request.POST:
            return redirect("casework:case-create", step="facts")
        confirm.is_valid()
        if visible and not confirm.cleaned_data.get("confirm_not_duplicate"):
            confirm.add_error("confirm_not_duplicate", _("Confirm that you checked the possible duplicates."))
            status = 400
        else:
            case, created = _register_once(request, token, person_form.cleaned_data, facts_form.cleaned_data)
            if not created:
                return _already_registered(request, case)
            if others:
                do_flag_possible_duplicates(case, others, actor=request.user)
            request.session.pop(WIZARD_KEY, None)
            return redirect(reverse("casework:case-detail", args=[case.public_id]))
    context = {
        "step": "review",
        "steps": WIZARD_STEPS,
        "person_rows": review_rows(person_form),
        "facts_rows": review_rows(facts_form),
        "duplicates": visible,
        "confirm_form": confirm,
    }
    return render(request, "casework/case_create_review.html", context, status=status)


def _registration_token(request, stored: dict) -> str:
    """The token of this sitting of the wizard, kept with its answers in the session."""
    if "token" not in stored:
        stored["token"] = uuid.uuid4().hex
        request.session[WIZARD_KEY] = stored
    return stored["token"]


def _already_registered(request, case: Case):
    messages.info(request, _("This case was already registered; here it is."))
    request.session.pop(WIZARD_KEY, None)
    return redirect(reverse("casework:case-detail", args=[case.public_id]))


def _register_once(request, token: str, person_data: dict, facts: dict) -> tuple[Case, bool]:
    """Register the case of this sitting of the wizard. The token row is written in the case's
    transaction, so of two concurrent submissions one waits on the unique token, rolls back and
    finds the other's case."""
    try:
        with transaction.atomic():
            case = _create_from_wizard(request, person_data, facts)
            RegistrationToken.objects.create(token=token, user=request.user, case=case)
    except IntegrityError:
        return RegistrationToken.objects.select_related("case").get(token=token, user=request.user).case, False
    return case, True


def _create_from_wizard(request, person_data: dict, facts: dict) -> Case:
    facts = dict(facts)
    picklists = {name: facts.pop(name) for name in ("exploitation_forms", "means_of_control", "recruitment_methods")}
    return do_create_case(
        person=Person(**person_data),
        case=Case(**facts),
        actor=request.user,
        agency=request.user.active_membership.agency,
        **picklists,
    )


@membership_required
def case_access_list(request, code):
    """Who can see this case and why — for the owning agency's supervisor."""
    case, _held = access_case(request.user, code, need=Capability.SEE_WHO)
    grants = case.grants.filter(revoked_at__isnull=True).select_related(
        "group__agency_group__agency", "user", "granted_by"
    )
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=case,
        classes=[SensitivityClass.CORE],
        detail={"page": "access-list"},
    )
    return render(request, "casework/case_access.html", {"case": case, "grants": grants})
