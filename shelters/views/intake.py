"""The intake form, section by section: each section saves on its own (htmx swaps just that
card, so the others keep what is being typed), and completion checks the saved answers."""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework import audit
from casework.forms import StyledForm
from casework.lib.text import with_lf
from casework.models import AuditEvent, SensitivityClass
from casework.views.common import is_htmx, membership_required
from shelters.access import access_stay
from shelters.actions import ShelterError, do_complete_intake, do_save_intake_section
from shelters.intake import SECTION_BY_KEY, SECTIONS, Section, SectionForm, to_json
from shelters.models import Intake, Stay

# The section forms with Bootstrap classes, as casework's forms have them.
STYLED_FORMS: dict[str, type[SectionForm]] = {
    section.key: type(section.form.__name__, (StyledForm, section.form), {}) for section in SECTIONS
}


@dataclass
class FieldRow:
    field: forms.BoundField
    needed: str = ""
    required_at_completion: bool = False


@dataclass
class SectionPart:
    """One section as shown: its form, when it was saved and what completion still needs."""

    section: Section
    form: SectionForm
    saved_at: datetime.datetime | None
    missing: dict
    show_missing: bool = False
    just_saved: bool = False
    rows: list[FieldRow] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str:
        return self.section.title

    @property
    def is_complete(self) -> bool:
        return not self.missing

    @property
    def saved_today(self) -> bool:
        return self.saved_at is not None and timezone.localdate(self.saved_at) == timezone.localdate()


def _form(section: Section, data=None, initial=None, *, identity: bool, stay: Stay | None = None) -> SectionForm:
    # Ids carry the section: several sections have a field of the same name on one page.
    # Without `identity`, fields naming someone are left out (SectionForm.identity_fields).
    # A posted form's dates of what happened cannot be before the person was received.
    earliest = timezone.localdate(stay.case.received_at) if stay is not None else None
    form_class = STYLED_FORMS[section.key]
    return form_class(data, initial=initial, auto_id=f"id_{section.key}_%s", identity=identity, earliest=earliest)


def _part(
    section: Section, intake: Intake, *, identity: bool, form=None, show_missing=False, just_saved=False
) -> SectionPart:
    """The section with `form` (what was just posted), or else its saved answers."""
    answers = intake.sections.get(section.key) or {}
    posted = form is not None
    if form is None:
        form = _form(section, initial=answers, identity=identity)
    missing = form.needed(answers)
    saved_at = parse_datetime(intake.saved_at.get(section.key) or "")
    part = SectionPart(section, form, saved_at, missing, show_missing=show_missing, just_saved=just_saved)
    for name in form.fields:
        needed = str(missing.get(name, "")) if show_missing and not posted else ""
        if needed:
            widget = form.fields[name].widget
            widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
        part.rows.append(FieldRow(form[name], needed, name in form.required))
    return part


def _intake(stay: Stay) -> Intake:
    return get_object_or_404(Intake.objects.select_related("completed_by"), stay=stay)


def _page(request, stay: Stay, held: set[str], intake: Intake, *, status=200, error="", bound: dict | None = None):
    """The whole form, with the sections whose class the user holds; `bound` is a section's
    form as just posted (a save refused without JavaScript)."""
    parts = []
    identity = SensitivityClass.IDENTITY in held
    for section in SECTIONS:
        if section.sensitivity not in held:
            continue
        form = (bound or {}).get(section.key)
        parts.append(_part(section, intake, identity=identity, form=form, show_missing=bool(error)))
    shown = {part.section.sensitivity for part in parts} | {SensitivityClass.SHELTER}
    if SensitivityClass.IDENTITY in held:
        shown.add(SensitivityClass.IDENTITY)
    audit.record(AuditEvent.Action.VIEW, actor=request.user, case=stay.case, obj=intake, classes=shown)
    context = {"stay": stay, "held": held, "intake": intake, "parts": parts, "error": error}
    return render(request, "shelters/intake.html", context, status=status)


@require_http_methods(["GET"])
@membership_required
def intake(request, code):
    stay, held = access_stay(request.user, code)
    return _page(request, stay, held, _intake(stay))


@require_POST
@membership_required
def save_section(request, code, section):
    """Keep one section as a draft: only the types are checked, nothing is required yet."""
    spec = SECTION_BY_KEY.get(section)
    if spec is None:
        access_stay(request.user, code)  # another facility's stay is denied and audited as such
        raise Http404
    stay, held = access_stay(request.user, code, need=spec.sensitivity, act=True)
    identity = SensitivityClass.IDENTITY in held
    form = _form(spec, request.POST, identity=identity, stay=stay)
    if not form.is_valid():
        intake = _intake(stay)
        if is_htmx(request):
            part = _part(spec, intake, identity=identity, form=form)
            return render(request, "shelters/_intake_section.html", {"stay": stay, "part": part}, status=400)
        return _page(request, stay, held, intake, status=400, bound={spec.key: form})
    intake = do_save_intake_section(stay, spec.key, form.cleaned_data, actor=request.user)
    if is_htmx(request):
        part = _part(spec, intake, identity=identity, just_saved=True)
        return render(request, "shelters/_intake_section.html", {"stay": stay, "part": part, "oob": True})
    messages.success(request, _("“%(section)s” saved.") % {"section": spec.title})
    return redirect(reverse("shelters:intake", args=[stay.public_id]) + f"#section-{spec.key}")


# Completion and unsaved edits ------------------------------------------------------------
#
# Completion judges the saved answers, so a section's typed but unsaved text must not be left
# behind (decision 198). The completion form carries every section's current values (the
# script copies them as "<section>-<field>", with "included" naming the sections); here the
# server compares them with what is saved, saves each section that differs, and refuses
# completion, naming the sections, when one of them cannot be saved.


def _posted_sections(request, stay: Stay, held: set[str], identity: bool) -> dict[str, SectionForm]:
    """The sections the completion form carried, each bound to its posted values."""
    forms: dict[str, SectionForm] = {}
    for key in request.POST.getlist("included"):
        spec = SECTION_BY_KEY.get(key)
        if spec is None or spec.sensitivity not in held or key in forms:
            continue
        data = QueryDict(mutable=True)
        for name, values in request.POST.lists():
            if name.startswith(f"{key}-"):
                data.setlist(name.removeprefix(f"{key}-"), values)
        forms[key] = _form(spec, data, identity=identity, stay=stay)
    return forms


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value is False


def _unsaved(form: SectionForm, answers: dict) -> bool:
    """Whether what was posted differs from the saved answers: an answer that does not even
    validate was certainly not saved."""
    if not form.is_valid():
        return True
    posted = to_json(form.cleaned_data)
    # Text saved before forms cleaned CR LF as LF (decision 332) is compared as LF.
    saved = {name: with_lf(value) for name, value in answers.items()}
    return any(
        not (_blank(posted.get(name)) and _blank(saved.get(name))) and posted.get(name) != saved.get(name)
        for name in form.fields
    )


@require_POST
@membership_required
def complete(request, code):
    stay, held = access_stay(request.user, code, act=True)
    intake = _intake(stay)
    posted = _posted_sections(request, stay, held, SensitivityClass.IDENTITY in held)
    unsaved = {key: form for key, form in posted.items() if _unsaved(form, intake.sections.get(key) or {})}
    saved = []
    for key, form in unsaved.items():
        if form.is_valid() and not intake.completed_at:
            intake = do_save_intake_section(stay, key, form.cleaned_data, actor=request.user)
            saved.append(str(SECTION_BY_KEY[key].title))
    if saved:
        messages.info(
            request,
            _("What you typed in these sections was saved first: %(sections)s.") % {"sections": ", ".join(saved)},
        )
    refused = {key: form for key, form in unsaved.items() if not form.is_valid()}
    if refused:
        titles = ", ".join(str(SECTION_BY_KEY[key].title) for key in refused)
        audit.record(
            AuditEvent.Action.REFUSED,
            actor=request.user,
            case=stay.case,
            obj=intake,
            detail={"action": "intake-complete", "reason": "unsaved sections", "sections": sorted(refused)},
        )
        error = _(
            "The intake was not completed: what you typed in these sections could not be saved: "
            "%(sections)s. Correct the fields marked there, then complete again."
        ) % {"sections": titles}
        return _page(request, stay, held, intake, status=400, error=error, bound=refused)
    try:
        do_complete_intake(stay, actor=request.user, classes=held)
    except ShelterError as error:
        return _page(request, stay, held, _intake(stay), status=400, error=str(error))
    messages.success(request, _("Intake form completed."))
    return redirect(reverse("shelters:stay", args=[stay.public_id]))
