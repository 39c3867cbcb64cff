"""Recording a follow-up visit after discharge."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.views.common import membership_required
from shelters import access, actions
from shelters.actions import ShelterError
from shelters.forms import FollowUpForm
from shelters.views.stays import _stay_page


@require_POST
@membership_required
def record(request, pk):
    visit = access.access_followup(request.user, pk)
    stay, held = access.access_stay(request.user, visit.stay.public_id, act=True)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_followup(visit, actor=request.user, **form.cleaned_data)
        except ShelterError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The visit is recorded."))
            return redirect(reverse("shelters:stay", args=[stay.public_id]) + "#followups")
    return _stay_page(request, stay, held, status=400, followup_form=form, followup_errors_for=visit.pk)
