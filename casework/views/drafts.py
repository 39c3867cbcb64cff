"""A user's own drafts by their id: continue one, or throw it away (decision 196). Anyone
else's draft is a 404, audited as denied."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework import drafts
from casework.models import Draft
from casework.views.cases import WIZARD_SEEN_KEY, draft_step
from casework.views.common import membership_required


@require_GET
@membership_required
def draft_resume(request, draft):
    found = drafts.owned(request.user, draft)
    assert found.kind == Draft.Kind.NEW_CASE  # the only kind so far
    return redirect("casework:case-create", step=draft_step(found))


@require_POST
@membership_required
def draft_discard(request, draft):
    found = drafts.owned(request.user, draft)
    drafts.discard(request.user, found)
    request.session[WIZARD_SEEN_KEY] = ""
    messages.success(request, _("The draft was discarded."))
    return redirect("casework:case-create", step="person")
