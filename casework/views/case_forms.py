"""Case page forms loaded on demand (decision 253): the case page shows a closed "Record consent"
or "Upload a document" and fetches the form when it is opened (htmx, on the <details> toggle);
without JavaScript the same address is a page of its own with the form. The form posts to the
same action as before, which redirects back to the case page's section."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.access import Capability, access_case
from casework.forms import ConsentForm, DocumentForm
from casework.models import AuditEvent, SensitivityClass
from casework.views.common import is_htmx, membership_required

# name in the URL → (what the user must be allowed to do, the form's template, the page's title,
# the case page section it belongs to)
ON_DEMAND = {
    "consents": (Capability.RECORD_CONSENT, "casework/_consent_form.html", _("Record consent"), "consent"),
    "documents": (Capability.ADD_DOCUMENT, "casework/_document_form.html", _("Upload a document"), "documents"),
}


def on_demand_context(name: str, held) -> dict:
    if name == "consents":
        return {"consent_form": ConsentForm()}
    return {"document_form": DocumentForm(held=held)}


@membership_required
def case_form(request, code, name: str):
    if name not in ON_DEMAND:
        raise Http404
    capability, template, title, section = ON_DEMAND[name]
    # Not visible: 404 and a denied row; visible but not allowed: 403 and a refused row.
    case, held = access_case(request.user, code, need=capability)
    # The form names the case (its reference): a read of the case like any other.
    audit.record(
        AuditEvent.Action.VIEW, actor=request.user, case=case, classes=[SensitivityClass.CORE], detail={"form": name}
    )
    context = {
        "case": case,
        "held": held,
        "form_template": template,
        "title": title,
        "anchor": section,
        **on_demand_context(name, held),
    }
    if is_htmx(request):
        return render(request, template, context)
    return render(request, "casework/case_form.html", context)
