"""Admission, the stay page and its moves: access → form → action → redirect. A refused or
malformed form is shown again with what was typed and a 400."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework import actions as casework_actions
from casework import audit
from casework.access import Capability, access_case, colleagues_known_to, deny
from casework.actions import CaseworkError
from casework.disclosure import readable_notes
from casework.forms import DocumentForm, NoteForm
from casework.models import AuditEvent, SensitivityClass
from casework.views.common import membership_required, upload_from_request
from shelters import access, actions
from shelters.actions import ShelterError
from shelters.forms import AdmitForm, DischargeForm, ExtendForm, FollowUpForm, ServiceForm, WalkInForm
from shelters.intake import SECTIONS
from shelters.models import SERVICE_SENSITIVITY, Bed, Stay

SHELTER = SensitivityClass.SHELTER
# A first stay is planned for six months unless the worker says otherwise (and the maximum allows).
DEFAULT_PLAN_MONTHS = 6


def _free_beds(facility, case):
    """Beds the person may be admitted to: free ones, and one held for her."""
    return facility.beds.filter(Bed.available_to_q(case)).order_by("room", "label")


def _initial_end(facility) -> datetime.date:
    today = timezone.localdate()
    months = min(DEFAULT_PLAN_MONTHS, facility.max_stay_months or DEFAULT_PLAN_MONTHS)
    return actions.add_months(today, months)


def _now() -> dict:
    return {"admitted_at": timezone.localtime().replace(second=0, microsecond=0)}


def _admission_page(request, facility, case, form, *, status=200, placement=None, walk_in=False):
    # The page shows the case: a view like any other, audited (docs/architecture.md, Flow A).
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=case,
        classes=[SensitivityClass.CORE, SHELTER],
        detail={"page": "walk-in" if walk_in else "admission", "facility": facility.code},
    )
    return render(
        request,
        "shelters/admit.html",
        {"facility": facility, "case": case, "form": form, "placement": placement, "walk_in": walk_in},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@membership_required
def admit(request, facility, placement):
    """Admit a person whose placement referral to this facility was accepted."""
    user = request.user
    facility = access.access_facility(user, facility, act=True)
    found = access.awaiting_admission(user, facility).filter(pk=placement).first()
    if found is None:
        deny(user, {"placement": placement})
    case = found.case
    beds = _free_beds(facility, case)
    if request.method == "GET":
        form = AdmitForm(beds=beds, initial={"planned_end": _initial_end(facility), "bed": found.bed_id, **_now()})
        return _admission_page(request, facility, case, form, placement=found)
    form = AdmitForm(request.POST, beds=beds)
    if form.is_valid():
        try:
            stay = actions.do_admit_from_placement(
                case,
                facility=facility,
                bed=form.cleaned_data["bed"],
                planned_end=form.cleaned_data["planned_end"],
                admitted_at=form.cleaned_data["admitted_at"],
                actor=user,
            )
        except ShelterError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Admitted. Fill in the intake form when she is ready."))
            return redirect("shelters:stay", stay.public_id)
    return _admission_page(request, facility, case, form, status=400, placement=found)


@require_http_methods(["GET", "POST"])
@membership_required
def walk_in(request, facility, code):
    """Admit someone who came to the facility herself, with her consent to stay."""
    user = request.user
    facility = access.access_facility(user, facility, act=True)
    case, _held = access_case(user, code, need=SHELTER)
    beds = _free_beds(facility, case)
    if request.method == "GET":
        initial = {"planned_end": _initial_end(facility), "given_on": timezone.localdate(), **_now()}
        form = WalkInForm(beds=beds, initial=initial)
        return _admission_page(request, facility, case, form, walk_in=True)
    form = WalkInForm(request.POST, beds=beds)
    if form.is_valid():
        data = form.cleaned_data
        try:
            stay = actions.do_admit_walk_in(
                case,
                facility=facility,
                bed=data["bed"],
                planned_end=data["planned_end"],
                given_by=data["given_by"],
                representative_name=data["representative_name"],
                given_on=data["given_on"],
                admitted_at=data["admitted_at"],
                actor=user,
            )
        except ShelterError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Admitted. Fill in the intake form when she is ready."))
            return redirect("shelters:stay", stay.public_id)
    return _admission_page(request, facility, case, form, status=400, walk_in=True)


# What the stay page shows of the case's notes and documents: the classes its view is audited
# with (below), those a facility's grant gives.
STAY_PAGE_CLASSES = {SensitivityClass.CORE, SensitivityClass.IDENTITY, SensitivityClass.HEALTH, SHELTER}


def _stay_page(request, stay: Stay, held, *, status=200, **forms):
    service_kinds = _service_kinds(held)
    intake = getattr(stay, "intake", None)
    shown = set(held.classes) & STAY_PAGE_CLASSES
    may_record = access.may_act(request.user) and access.may_record_on_stay(stay, held)
    # A worker's note is for those who hold `shelter` on the case unless she chooses (decision 206).
    default_class = {"sensitivity": SHELTER} if SHELTER in held else {}
    context = {
        "stay": stay,
        "case": stay.case,
        "held": held,
        "extensions": list(stay.extensions.select_related("recorded_by")),
        "services": [s for s in stay.services.select_related("recorded_by") if s.sensitivity in held],
        "followups": list(stay.followups.select_related("recorded_by")),
        "intake": intake,
        "intake_saved": len(intake.saved_at) if intake else 0,
        "intake_sections": len(SECTIONS),
        "extend_form": forms.get("extend_form") or ExtendForm(officers=colleagues_known_to(request.user)),
        "service_form": forms.get("service_form")
        or ServiceForm(kinds=service_kinds, initial={"provided_on": timezone.localdate()}),
        "discharge_form": forms.get("discharge_form")
        or DischargeForm(initial={"discharged_at": timezone.localtime().replace(second=0, microsecond=0)}),
        "followup_form": forms.get("followup_form"),
        "blank_followup_form": FollowUpForm(initial={"visited_on": timezone.localdate()}),
        "followup_errors_for": forms.get("followup_errors_for"),
        "service_kinds": service_kinds,
        "may_act": access.may_act(request.user),
        "may_record": may_record,
        "notes": list(readable_notes(stay.case, shown)),
        "documents": [doc for doc in stay.case.documents.all() if doc.sensitivity in shown],
        "note_form": forms.get("note_form") or (NoteForm(held=shown, initial=default_class) if may_record else None),
        "document_form": forms.get("document_form")
        or (DocumentForm(held=shown, initial=default_class) if may_record else None),
        "limit": actions.latest_end(stay.facility, timezone.localdate(stay.admitted_at)),
    }
    # Shown again with a refused form, the page still shows the case: audited as well.
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=stay.case,
        obj=stay,
        classes=sorted(held & {SensitivityClass.CORE, SensitivityClass.IDENTITY, SensitivityClass.HEALTH, SHELTER}),
        detail={"stay": str(stay.public_id)},
    )
    return render(request, "shelters/stay.html", context, status=status)


@require_http_methods(["GET"])
@membership_required
def stay_detail(request, code):
    stay, held = access.access_stay(request.user, code)
    return _stay_page(request, stay, held)


def _service_kinds(held: set[str]) -> set[str]:
    return {kind for kind, cls in SERVICE_SENSITIVITY.items() if cls in held}


def _posted(request, code, form_class, form_name, act, success, anchor):
    """Bind, act, and redirect to the stay page; or the page again with the form and a 400."""
    stay, held = access.access_stay(request.user, code, act=True)
    extra = {"kinds": _service_kinds(held)} if form_class is ServiceForm else {}
    if form_class is ExtendForm:
        extra = {"officers": colleagues_known_to(request.user)}
    form = form_class(request.POST, **extra)
    return _act_on_stay(request, stay, held, form, form_name, act, success, anchor, ShelterError)


def _act_on_stay(request, stay, held, form, form_name, act, success, anchor, refusal):
    """Act on a valid form and go back to the stay page at `anchor`; a refusal (`refusal`
    raised) or an invalid form shows the page again with the form and a 400."""
    if form.is_valid():
        try:
            act(stay, form.cleaned_data)
        except refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, success)
            return redirect(reverse("shelters:stay", args=[stay.public_id]) + f"#{anchor}")
    return _stay_page(request, stay, held, status=400, **{form_name: form})


@require_POST
@membership_required
def extend(request, code):
    return _posted(
        request,
        code,
        ExtendForm,
        "extend_form",
        lambda stay, data: actions.do_extend_stay(stay, actor=request.user, **data),
        _("The stay is extended."),
        "extensions",
    )


@require_POST
@membership_required
def add_service(request, code):
    return _posted(
        request,
        code,
        ServiceForm,
        "service_form",
        lambda stay, data: actions.do_record_service(stay, actor=request.user, **data),
        _("The service is recorded."),
        "services",
    )


@require_POST
@membership_required
def discharge(request, code):
    return _posted(
        request,
        code,
        DischargeForm,
        "discharge_form",
        lambda stay, data: actions.do_discharge(stay, actor=request.user, **data),
        _("She is discharged. The follow-up plan is open."),
        "followups",
    )


def _record_on_stay(request, code, capability, form_name, build, act, success, anchor):
    """Bind a note or document form on the stay page, record it on the case through the
    casework action, and return to the stay page; the form again with a 400 otherwise."""
    stay, held = access.access_stay_to_record(request.user, code, capability)
    form = build(set(held.classes) & STAY_PAGE_CLASSES)
    return _act_on_stay(request, stay, held, form, form_name, act, success, anchor, CaseworkError)


@require_POST
@membership_required
def add_note(request, code):
    return _record_on_stay(
        request,
        code,
        Capability.ADD_NOTE,
        "note_form",
        lambda shown: NoteForm(request.POST, held=shown),
        lambda stay, data: casework_actions.do_add_note(
            stay.case,
            body=data["body"],
            sensitivity=data["sensitivity"],
            actor=request.user,
            agency=request.user.active_membership.agency,
        ),
        _("Note added."),
        "notes",
    )


@require_POST
@membership_required
def upload_document(request, code):
    return _record_on_stay(
        request,
        code,
        Capability.ADD_DOCUMENT,
        "document_form",
        lambda shown: DocumentForm(request.POST, request.FILES, held=shown),
        lambda stay, data: upload_from_request(request, stay.case, data["kind"], data["sensitivity"], data["title"]),
        _("Document uploaded."),
        "notes",
    )
