"""Forms validate and normalise; the actions in referrals/actions.py act."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import LabelChoiceField, StyledForm
from casework.models import Agency
from referrals.models import ReferralPurpose


class SendReferralForm(StyledForm, forms.Form):
    purpose = LabelChoiceField(queryset=ReferralPurpose.objects.none(), label=_("Purpose of the referral"))
    to_agency = LabelChoiceField(queryset=Agency.objects.none(), label=_("Receiving agency"))
    note = forms.CharField(
        label=_("Note to the receiving agency"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, from_agency: Agency, **kwargs):
        kwargs.setdefault("auto_id", "referral_%s")
        super().__init__(*args, **kwargs)
        self.fields["purpose"].queryset = ReferralPurpose.objects.filter(sender_kinds=from_agency.kind_id)
        self.fields["to_agency"].queryset = Agency.objects.filter(is_active=True).exclude(pk=from_agency.pk)


class MoveForm(StyledForm, forms.Form):
    """The reason or note of a move; whether it is required is the action's rule."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class RedirectForm(MoveForm):
    to_agency = LabelChoiceField(queryset=Agency.objects.none(), label=_("New receiving agency"))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies
        self.order_fields(["to_agency", "reason"])


class AssignWorkerForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label=_("Caseworker"))

    def __init__(self, *args, caseworkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = caseworkers
