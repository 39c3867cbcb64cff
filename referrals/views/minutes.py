"""The handover minutes (biên bản bàn giao): the form that records the handover, and the
minutes as a PDF in the official Vietnamese layout (Decree 30/2020/NĐ-CP, appendix I)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import audit
from casework.access import case_classes
from casework.lib.pdf import pdf_document
from casework.models import AuditEvent, PersonStatus, SensitivityClass
from casework.views.common import membership_required, record_invalid_form, record_read
from referrals import actions
from referrals.access import access_referral
from referrals.actions import ReferralError
from referrals.forms import HandoverMinutesForm
from referrals.models import HandoverMinutes, Referral
from referrals.views.workflow import RECEIVER, referral_move

FORM_TEMPLATE = "referrals/handover.html"


def _form_page(request, referral: Referral, form: HandoverMinutesForm, *, status: int = 200) -> HttpResponse:
    return render(request, FORM_TEMPLATE, {"referral": referral, "form": form}, status=status)


@referral_move(RECEIVER, methods=("GET", "POST"))
def handover(request, referral):
    """Record the handover: the minutes and the move to handed over, in one action."""
    if request.method != "POST":
        record_read(
            request, case=referral.case, obj=referral, classes=[SensitivityClass.CORE], detail={"page": "handover-form"}
        )
        return _form_page(request, referral, HandoverMinutesForm())
    form = HandoverMinutesForm(request.POST)
    if not form.is_valid():
        # Re-render with everything typed; the errors show next to the fields.
        record_invalid_form(request, form, case=referral.case, action="handover")
        return _form_page(request, referral, form, status=400)
    try:
        actions.do_record_handover(referral, minutes=form.minutes(), actor=request.user)
    except ReferralError as error:
        form.add_error(None, str(error))
        return _form_page(request, referral, form, status=400)
    messages.success(request, _("Handover recorded."))
    return None


def shows_identity(user, referral: Referral) -> bool:
    """The person's name is printed only for a user holding `identity` on the case, as on
    every list and page."""
    return SensitivityClass.IDENTITY in case_classes(user, referral.case)


Signatory = HandoverMinutes.Signatory
SIGNATURE_TITLES = {
    Signatory.SENDER: gettext_lazy("Representative of the handing-over side"),
    Signatory.RECEIVER: gettext_lazy("Representative of the receiving side"),
    Signatory.PERSON: gettext_lazy("The person handed over"),
    Signatory.REPRESENTATIVE: gettext_lazy("The person's legal representative"),
    Signatory.INTERPRETER: gettext_lazy("Interpreter"),
}
# One copy for each side (Regulation 2548/QCPH: both agencies keep the minutes).
COPIES = 2


def _signature_rows(minutes: HandoverMinutes) -> list[list[str]]:
    """Signature blocks two to a row, in the order of the form, as the official layout has them."""
    titles = [str(SIGNATURE_TITLES[value]) for value in Signatory.values if value in minutes.signed_by]
    return [titles[index : index + 2] for index in range(0, len(titles), 2)]


def _day_month(moment) -> tuple[str, str]:
    """Decree 30/2020 appendix I: days below 10 and months 1 and 2 are written with a 0."""
    return f"{moment.day:02d}", f"{moment.month:02d}" if moment.month < 3 else str(moment.month)


# The class each free-text field of the minutes needs (docs/decisions.md 114). What is typed there
# about the person (a passport or ID number among her documents, an ID card among her belongings,
# where her family lives in her wishes) is as identifying as her name. The place and the officers
# (the staff who signed) are facts of the handover, shown to both sides on the referral page too.
MINUTES_FIELD_CLASSES = {
    "place": SensitivityClass.CORE,
    "documents": SensitivityClass.IDENTITY,
    "belongings": SensitivityClass.IDENTITY,
    "person_wishes": SensitivityClass.IDENTITY,
    "sender_officers": SensitivityClass.CORE,
    "receiver_officers": SensitivityClass.CORE,
}
HIDDEN_TEXT = gettext_lazy("[hidden]")


def readable_minutes(minutes: HandoverMinutes, classes) -> dict[str, str]:
    """The minutes' free-text fields as a reader holding `classes` may see them: each field whose
    class is not held is replaced by a neutral marker (an empty field stays empty, so the
    template's "None." shows; an empty field reveals nothing)."""
    return {
        name: getattr(minutes, name) if needed in classes or not getattr(minutes, name) else str(HIDDEN_TEXT)
        for name, needed in MINUTES_FIELD_CLASSES.items()
    }


def minutes_html(referral: Referral, minutes: HandoverMinutes, *, identity: bool) -> str:
    """The minutes as HTML, always in Vietnamese whatever the reader's language: they are an
    official record both agencies file. Without `identity`, the person's details and every
    free-text field that can carry them are left out (MINUTES_FIELD_CLASSES)."""
    classes = {SensitivityClass.CORE, SensitivityClass.IDENTITY} if identity else {SensitivityClass.CORE}
    with translation.override("vi"), timezone.override(timezone.get_default_timezone()):
        text = readable_minutes(minutes, classes)
        at = timezone.localtime(minutes.handed_over_at)
        day, month = _day_month(at)
        province = referral.to_agency.province
        context = {
            "referral": referral,
            "minutes": minutes,
            "text": text,
            "person": referral.case.person if identity else None,
            # A victim only once a competent body had decided by the day of the handover (the
            # minutes record that moment); an accompanying child is not "a victim".
            "identified": referral.case.person_status == PersonStatus.VICTIM
            and referral.case.identified_on is not None
            and referral.case.identified_on <= at.date(),
            "place_name": province.label if province else text["place"],
            "at": at,
            "day": day,
            "month": month,
            "copies": COPIES,
            "signature_rows": _signature_rows(minutes),
        }
        return render_to_string("referrals/minutes_pdf.html", context)


def minutes_document(html: str):
    """The laid-out pages (a WeasyPrint Document) of the minutes' HTML; nothing is fetched
    (`casework.lib.pdf`)."""
    return pdf_document(html, render_to_string("referrals/minutes_pdf.css"))


def minutes_pdf_bytes(html: str) -> bytes:
    return minutes_document(html).write_pdf()


def _ascii_reference(reference: str) -> str:
    return "".join(char if char.isascii() and char.isalnum() else "-" for char in reference).strip("-")


@membership_required
def minutes_pdf(request, code):
    user = request.user
    referral = access_referral(user, code)
    minutes = HandoverMinutes.objects.filter(referral=referral).first()
    if minutes is None:
        raise Http404
    identity = shows_identity(user, referral)
    pdf = minutes_pdf_bytes(minutes_html(referral, minutes, identity=identity))
    audit.record(
        AuditEvent.Action.DOWNLOAD,
        actor=user,
        case=referral.case,
        obj=referral,
        classes=[SensitivityClass.CORE] + ([SensitivityClass.IDENTITY] if identity else []),
        detail={"referral": referral.reference, "document": "handover_minutes"},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bien-ban-{_ascii_reference(referral.reference)}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
