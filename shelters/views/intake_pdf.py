"""The completed intake form as a PDF (issue 16): every section the reader may see, as it was
completed, with who saved each section and when, and who completed the form. The sections and
the identity fields follow the same classes as the intake page (`shelters.intake.SECTIONS`,
`SectionForm.identity_fields`); a section whose class the reader lacks is not printed."""

import datetime

from django import forms
from django.http import Http404, HttpResponse
from django.template.defaultfilters import date as format_date
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from casework import audit
from casework.lib.pdf import ascii_name, pdf_bytes
from casework.lib.text import vnd
from casework.models import AuditEvent, SensitivityClass
from casework.views.common import membership_required
from shelters.access import access_stay
from shelters.intake import SECTIONS, Section
from shelters.models import Intake, Stay

EMPTY = "—"


def _at(moment, with_time: bool = True) -> str:
    if not moment:
        return ""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment)
    return format_date(moment, "d/m/Y H:i" if with_time else "d/m/Y")


def answer_text(form_field: forms.Field, name: str, value) -> str:
    """A saved answer as printed: choices by their label, ticks as yes or no, dates and money as
    Vietnamese write them."""
    if isinstance(form_field, forms.BooleanField):
        return _("yes") if value is True else _("no")
    if value in (None, "", []):
        return EMPTY
    if isinstance(form_field, forms.ChoiceField):
        labels = dict(form_field.choices)
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(item, item)) for item in values)
    if isinstance(form_field, forms.DateField):
        day = parse_date(str(value))
        return _at(day, False) if day else str(value)
    if isinstance(form_field, forms.IntegerField) and name.endswith("_vnd"):
        return vnd(int(value))
    return str(value)


def _savers(intake: Intake, stay: Stay) -> dict[str, AuditEvent]:
    """The last save of each section, from its audit rows (who saved it; the intake keeps when)."""
    rows = (
        AuditEvent.objects.filter(
            case=stay.case,
            object_type="intake",
            object_id=str(intake.pk),
            action=AuditEvent.Action.UPDATE,
            detail__has_key="intake_section",
        )
        .select_related("actor")
        .order_by("at", "id")
    )
    return {row.detail["intake_section"]: row for row in rows}


def _printed_section(section: Section, intake: Intake, saver: AuditEvent | None, *, identity: bool) -> dict:
    form = section.form(identity=identity)
    answers = intake.sections.get(section.key) or {}
    saved_at = parse_datetime(intake.saved_at.get(section.key) or "")
    return {
        "key": section.key,
        "title": section.title,
        "saved_at": _at(saved_at),
        "saved_by": str(saver.actor) if saver is not None and saver.actor is not None else "",
        "rows": [
            (str(form_field.label), answer_text(form_field, name, answers.get(name)))
            for name, form_field in form.fields.items()
        ],
    }


def intake_html(stay: Stay, intake: Intake, held, *, printed_by) -> str:
    """The completed intake as HTML, in Vietnamese whatever the reader's language."""
    identity = SensitivityClass.IDENTITY in held
    savers = _savers(intake, stay)
    with translation.override("vi"), timezone.override(timezone.get_default_timezone()):
        context = {
            "stay": stay,
            "intake": intake,
            "person": stay.case.person if identity else None,
            "admitted_on": _at(stay.admitted_at, False),
            "completed_at": _at(intake.completed_at),
            "printed_at": _at(timezone.now()),
            "printed_by": printed_by,
            "sections": [
                _printed_section(section, intake, savers.get(section.key), identity=identity)
                for section in SECTIONS
                if section.sensitivity in held
            ],
        }
        return render_to_string("shelters/intake_pdf.html", context)


def printed_classes(held) -> list[str]:
    """The classes the printed intake reads: its sections', the stay's `shelter`, and `identity`
    when the reader holds it (her name, the emergency contact)."""
    classes = {section.sensitivity for section in SECTIONS if section.sensitivity in held} | {SensitivityClass.SHELTER}
    if SensitivityClass.IDENTITY in held:
        classes.add(SensitivityClass.IDENTITY)
    return sorted(classes)


@membership_required
def intake_pdf(request, code):
    user = request.user
    stay, held = access_stay(user, code)
    intake = Intake.objects.select_related("completed_by").filter(stay=stay).first()
    if intake is None or intake.completed_at is None:
        raise Http404
    with translation.override("vi"):
        css = render_to_string("casework/record_pdf.css")
    pdf = pdf_bytes(intake_html(stay, intake, held, printed_by=user), css)
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=user,
        case=stay.case,
        obj=intake,
        classes=printed_classes(held),
        detail={"document": "intake", "format": "pdf", "stay": str(stay.public_id)},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="phieu-tiep-nhan-{ascii_name(stay.case.reference)}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
