"""Forms of the support plan: filing and deciding a claim, recording a payment, extending a cap."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_INPUT, LabelChoiceField, StyledForm
from casework.models import Agency


class ClaimForm(StyledForm, forms.Form):
    """Filing a claim (e.g. Form 07) with the person's documents."""

    item = forms.CharField(widget=forms.HiddenInput)
    deciding_agency = LabelChoiceField(label=_("Decided by"), queryset=None)
    documents = forms.CharField(
        label=_("Documents provided"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. the application on Form 07, the commune's certificate, the victim confirmation."),
    )
    amount_requested_vnd = forms.IntegerField(label=_("Amount requested (VND)"), min_value=0, required=False)

    def __init__(self, *args, agencies=None, **kwargs):
        """`agencies`: the agencies that may decide, already fetched (listed without a query)."""
        super().__init__(*args, **kwargs)
        field = self.fields["deciding_agency"]
        field.queryset = Agency.objects.filter(is_active=True)
        if agencies is not None:
            field.widget.choices = [("", "---------")] + [(agency.pk, agency.label) for agency in agencies]


class DecisionForm(StyledForm, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("approve")), ("0", _("refuse"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    amount_decided_vnd = forms.IntegerField(label=_("Amount approved (VND)"), min_value=1, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class PaymentForm(StyledForm, forms.Form):
    item = forms.CharField(widget=forms.HiddenInput)
    claim = forms.UUIDField(widget=forms.HiddenInput, required=False)
    amount_vnd = forms.IntegerField(label=_("Amount paid (VND)"), min_value=1)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_INPUT)
    receipt_ref = forms.CharField(label=_("Receipt reference"), max_length=80)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CapExtensionForm(StyledForm, forms.Form):
    item = forms.CharField(widget=forms.HiddenInput)
    extra_days = forms.IntegerField(label=_("Extra days"), min_value=1, max_value=3650)
    decision_number = forms.CharField(label=_("Decision number"), max_length=80)
    decided_by = forms.CharField(label=_("Decided by"), max_length=200)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
