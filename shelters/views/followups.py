"""Recording a follow-up visit after discharge, by the agency responsible for it: the facility
(from the stay page) or the home commune the plan was handed to (from the case page)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.views.common import form_errors_to_messages, membership_required, record_invalid_form
from shelters import access, actions
from shelters.actions import ShelterError
from shelters.forms import FollowUpForm
from shelters.views.stays import _stay_page


@require_POST
@membership_required
def record(request, pk):
    visit = access.access_followup(request.user, pk)
    own = access.own_facility(request.user)
    at_own_facility = own is not None and visit.stay.facility_id == own.pk
    stay, held = access.access_stay(request.user, visit.stay.public_id, act=True) if at_own_facility else (None, None)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_followup(visit, actor=request.user, **form.cleaned_data)
        except ShelterError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The visit is recorded."))
            if stay is not None:
                return redirect(reverse("shelters:stay", args=[stay.public_id]) + "#followups")
            return redirect(reverse("casework:case-detail", args=[visit.case.public_id]) + "#followups")
    if stay is not None:
        record_invalid_form(request, form, case=visit.case)
        return _stay_page(request, stay, held, status=400, followup_form=form, followup_errors_for=visit.pk)
    form_errors_to_messages(request, form, case=visit.case)
    return redirect(reverse("casework:case-detail", args=[visit.case.public_id]) + "#followups")
