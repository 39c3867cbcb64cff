"""Correcting a case, its person, its incident and offenders after registration; the incident
page. Access (with the capability) → form → action (casework.corrections) → redirect. A form
based on values that changed meanwhile is answered 409 with what changed and what was typed."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import audit, corrections
from casework.access import (
    Capability,
    access_case,
    access_incident,
    incidents_known_to,
    visible_cases,
    with_person_name,
)
from casework.actions import CaseworkError
from casework.corrections import StaleEdit
from casework.forms import (
    EditCaseForm,
    EditPersonForm,
    IncidentEditForm,
    LinkIncidentForm,
    OffenderEditForm,
    OffenderForm,
    ReasonForm,
    nullable_choice,
)
from casework.lib.person_name import names_shown
from casework.lib.text import parse_pk
from casework.models import AuditEvent, Case, SensitivityClass
from casework.views.common import IN_SECTION, back_to_case_section, form_errors_to_messages, membership_required

CONFLICT = 409
# The newest incidents offered for linking a case.
LINKABLE_INCIDENTS = 200


def _initial(instance, fields) -> dict:
    """The form's initial values and the fingerprints of them, from one read."""
    values = corrections.stored_values(instance, fields)
    initial = {name: list(value) if isinstance(value, tuple) else value for name, value in values.items()}
    initial["base"] = corrections.fingerprints(instance, fields, values)
    return initial


def _with_fresh_base(post: QueryDict, base: str, key: str = "base") -> QueryDict:
    """What the user typed, now based on the values stored at present."""
    data = post.copy()
    data[key] = base
    return data


def _refused(request, case: Case, action: str, error: CaseworkError) -> None:
    detail = {"action": action, "reason": "stale" if isinstance(error, StaleEdit) else str(error)}
    if isinstance(error, StaleEdit):
        detail["fields"] = error.fields
    audit.record(AuditEvent.Action.REFUSED, actor=request.user, case=case, detail=detail)


def _stale_values(instance, fields: list[str]) -> list[tuple[str, str]]:
    """The current values of the fields changed meanwhile, for a user who holds their class."""
    return [
        (
            corrections._label(instance, name),
            corrections.shown(instance, name, corrections._current(instance, name)),
        )
        for name in fields
    ]


def _correction(request, case, *, instance, fields, form_class, action, initial, template_context):
    """The shared GET/POST of a correction page."""
    status, stale = 200, []
    if request.method == "POST":
        # The recorded values as initial: a value recorded before a check was added may stay.
        form = form_class(request.POST, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                changed = action(data)
            except CaseworkError as error:
                _refused(request, case, action.__name__, error)
                instance.refresh_from_db()
                base = corrections.fingerprints(instance, fields)
                form = form_class(_with_fresh_base(request.POST, base), initial=initial)
                form.is_valid()
                if not isinstance(error, StaleEdit):  # the stale box says it with the values
                    messages.error(request, str(error))
                if isinstance(error, StaleEdit):
                    status, stale = CONFLICT, _stale_values(instance, error.fields)
                else:
                    status = 400
            else:
                if changed:
                    messages.success(request, _("Correction saved."))
                else:
                    messages.info(request, _("Nothing was changed."))
                return None
        else:
            status = 400
    else:
        form = form_class(initial=initial)
    context = {"case": case, "form": form, "stale": stale, **template_context}
    return render(request, "casework/case_edit.html", context, status=status)


@membership_required
def case_edit(request, code):
    case, _held = access_case(request.user, code, need=Capability.EDIT_FACTS)
    audit.record(
        AuditEvent.Action.VIEW, actor=request.user, case=case, classes=[SensitivityClass.CORE], detail={"page": "edit"}
    )
    initial = _initial(case, corrections.CASE_FIELDS)

    def edit_case(data):
        return corrections.do_edit_case(case, data, seen=data["base"], actor=request.user)

    response = _correction(
        request,
        case,
        instance=case,
        fields=corrections.CASE_FIELDS,
        form_class=EditCaseForm,
        action=edit_case,
        initial=initial,
        template_context={"title": _("Correct the facts of the case"), "anchor": "summary"},
    )
    return response or back_to_case_section(case, "summary")


@membership_required
def person_edit(request, code):
    case, _held = access_case(request.user, code, need=Capability.EDIT_PERSON)
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=case,
        classes=[SensitivityClass.IDENTITY],
        detail={"page": "edit-person"},
    )
    person = case.person
    initial = _initial(person, corrections.PERSON_FIELDS)
    initial["poor_household"] = nullable_choice(person.poor_household)
    if person.birth_date:
        initial["birth_year"] = None  # the year follows the date

    def edit_person(data):
        return corrections.do_edit_person(case, data, seen=data["base"], actor=request.user)

    response = _correction(
        request,
        case,
        instance=person,
        fields=corrections.PERSON_FIELDS,
        form_class=EditPersonForm,
        action=edit_person,
        initial=initial,
        template_context={"title": _("Correct the person's details"), "anchor": "person"},
    )
    return response or back_to_case_section(case, "person")


# Incidents ------------------------------------------------------------------------------------


def _investigation_case(request, code):
    return access_case(request.user, code, need=Capability.RECORD_INVESTIGATION)


@membership_required
def incident_edit(request, code):
    case, _held = _investigation_case(request, code)
    incident = case.incident
    if incident is None:
        messages.error(request, _("The case is not linked to an incident."), extra_tags=IN_SECTION)
        return back_to_case_section(case, "investigation")
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=case,
        obj=incident,
        classes=[SensitivityClass.INVESTIGATION],
        detail={"page": "edit-incident"},
    )

    def edit_incident(data):
        return corrections.do_edit_incident(incident, data, seen=data["base"], case=case, actor=request.user)

    response = _correction(
        request,
        case,
        instance=incident,
        fields=corrections.INCIDENT_FIELDS,
        form_class=IncidentEditForm,
        action=edit_incident,
        initial=_initial(incident, corrections.INCIDENT_FIELDS),
        template_context=_offenders_context(incident),
    )
    return response or back_to_case_section(case, "investigation")


def _offenders_context(incident, typed=None) -> dict:
    """The incident page's offender forms; `typed` (offender id, bound form) keeps what was
    typed into one of them."""
    offender_forms = []
    for offender in incident.offenders.select_related("nationality"):
        if typed is not None and typed[0] == offender.pk:
            offender_forms.append((offender, typed[1]))
            continue
        initial = _initial(offender, corrections.OFFENDER_FIELDS)
        offender_forms.append((offender, OffenderEditForm(initial=initial, prefix=f"o{offender.pk}")))
    # One list of countries for every offender's form (built once even when not cached).
    countries = OffenderForm().fields["nationality"].widget.choices
    for _offender, form in offender_forms:
        form.fields["nationality"].widget.choices = countries
    return {
        "title": _("Correct the incident"),
        "anchor": "investigation",
        "incident": incident,
        "offender_forms": offender_forms,
        "new_offender_form": OffenderForm(),
        "open_offender": typed[0] if typed is not None else None,
    }


def _to_incident_page(case):
    if case.incident_id:
        return redirect("casework:case-incident-edit", code=case.public_id)
    return back_to_case_section(case, "investigation")


def _offender_of(case, offender_pk: int):
    pk = parse_pk(offender_pk)
    offender = case.incident.offenders.filter(pk=pk).first() if case.incident_id and pk else None
    if offender is None:
        raise CaseworkError(_("That offender is not recorded for this incident."))
    return offender


def _investigation_action(handler):
    """A POST on the case's incident, answered with the incident page (or the case page when
    the case has no incident any more); a refusal becomes a message and a `refused` row."""

    @membership_required
    @require_POST
    def view(request, code, **kwargs):
        case, _held = _investigation_case(request, code)
        try:
            response = handler(request, case, **kwargs)
        except CaseworkError as error:
            _refused(request, case, handler.__name__, error)
            messages.error(request, str(error))
            return _to_incident_page(case)
        return response or _to_incident_page(case)

    view.__name__ = handler.__name__
    return view


@membership_required
@require_POST
def offender_edit(request, code, offender):
    """Correct one offender; a stale or invalid form comes back on the incident page (409 or
    400) with what was typed."""
    case, _held = _investigation_case(request, code)
    try:
        offender = _offender_of(case, offender)
    except CaseworkError as error:
        _refused(request, case, "offender_edit", error)
        messages.error(request, str(error))
        return _to_incident_page(case)
    prefix = f"o{offender.pk}"
    form = OffenderEditForm(request.POST, prefix=prefix)
    status, stale = 400, []
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = corrections.do_edit_offender(offender, data, seen=data["base"], case=case, actor=request.user)
        except CaseworkError as error:
            _refused(request, case, "offender_edit", error)
            if not isinstance(error, StaleEdit):
                messages.error(request, str(error))
            offender.refresh_from_db()
            base = corrections.fingerprints(offender, corrections.OFFENDER_FIELDS)
            form = OffenderEditForm(_with_fresh_base(request.POST, base, f"{prefix}-base"), prefix=prefix)
            form.is_valid()
            if isinstance(error, StaleEdit):
                status, stale = CONFLICT, _stale_values(offender, error.fields)
        else:
            messages.success(request, _("Offender corrected.") if changed else _("Nothing was changed."))
            return _to_incident_page(case)
    incident_form = IncidentEditForm(initial=_initial(case.incident, corrections.INCIDENT_FIELDS))
    offenders = _offenders_context(case.incident, (offender.pk, form))
    form_action = reverse("casework:case-incident-edit", args=[case.public_id])
    context = {"case": case, "form": incident_form, "form_action": form_action, "stale": stale, **offenders}
    return render(request, "casework/case_edit.html", context, status=status)


@_investigation_action
def offender_remove(request, case, offender):
    offender = _offender_of(case, offender)
    corrections.do_remove_offender(offender, case=case, actor=request.user)
    messages.success(request, _("Offender removed."))


@membership_required
def incident_link(request, code):
    """Link the case to an incident already recorded (a ring with many victims): the incidents
    offered are those the user may see."""
    case, _held = _investigation_case(request, code)
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        case=case,
        classes=[SensitivityClass.INVESTIGATION],
        detail={"page": "link-incident"},
    )
    known = incidents_known_to(request.user)
    if request.method == "POST":
        form = LinkIncidentForm(request.POST, incidents=known)
        if form.is_valid():
            try:
                corrections.do_link_existing_incident(case, form.cleaned_data["incident"], actor=request.user)
            except CaseworkError as error:
                _refused(request, case, "incident_link", error)
                messages.error(request, str(error), extra_tags=IN_SECTION)
                return back_to_case_section(case, "investigation")
            messages.success(request, _("The case is linked to the incident."))
            return back_to_case_section(case, "investigation")
        status = 400
    else:
        listed = list(known.select_related("agency").order_by("-created_at")[:LINKABLE_INCIDENTS])
        form, status = LinkIncidentForm(incidents=known, listed=listed), 200
    return render(request, "casework/incident_link.html", {"case": case, "form": form}, status=status)


@_investigation_action
def incident_unlink(request, case):
    """Posted from the case page's investigation section: a refusal is said there, beside the
    form (IN_SECTION), not on the incident page the user did not come from."""
    form = ReasonForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form, case=case)
        return back_to_case_section(case, "investigation")
    try:
        corrections.do_unlink_incident(case, reason=form.cleaned_data["reason"], actor=request.user)
    except CaseworkError as error:
        _refused(request, case, "incident_unlink", error)
        messages.error(request, str(error), extra_tags=IN_SECTION)
        return back_to_case_section(case, "investigation")
    messages.success(request, _("The case was removed from the incident."))
    return None


@membership_required
def incident_detail(request, incident):
    """An incident and the cases of it the user may see; the others are only counted."""
    user = request.user
    incident = access_incident(user, incident)
    linked = (
        with_person_name(visible_cases(user, SensitivityClass.INVESTIGATION).filter(incident=incident), user, "pk")
        .select_related("owning_agency")
        .order_by("reference")
    )
    linked = list(linked)
    hidden = Case.objects.filter(incident=incident).count() - len(linked)
    audit.record(
        AuditEvent.Action.VIEW,
        actor=user,
        obj=incident,
        classes=[SensitivityClass.INVESTIGATION] + ([SensitivityClass.IDENTITY] if names_shown(linked) else []),
        detail={"page": "incident", "shown": len(linked)},
    )
    context = {
        "incident": incident,
        "cases": linked,
        "hidden": hidden,
        "offenders": list(incident.offenders.select_related("nationality")),
    }
    return render(request, "casework/incident_detail.html", context)
