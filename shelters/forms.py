"""Forms validate and normalise; shelter actions decide (shelters/actions.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_INPUT, DATETIME_INPUT, PersonChoiceField, StyledForm
from casework.models import Consent, User
from shelters.models import Bed, FollowUpOutcome, ServiceKind, Stay


class BedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, bed: Bed) -> str:
        return f"{bed.room} / {bed.label}"


class AdmitForm(StyledForm, forms.Form):
    bed = BedChoiceField(
        label=_("Bed"),
        queryset=Bed.objects.none(),
        required=False,
        empty_label=_("— the held bed, or the first free one —"),
    )
    admitted_at = forms.DateTimeField(
        label=_("Arrived at"),
        widget=DATETIME_INPUT,
        help_text=_("When she actually arrived; it may be earlier than now."),
    )
    planned_end = forms.DateField(label=_("Planned end of the stay"), widget=DATE_INPUT)

    def __init__(self, *args, beds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if beds is not None:
            self.fields["bed"].queryset = beds


class WalkInForm(AdmitForm):
    given_by = forms.ChoiceField(label=_("She agreed to stay: given by"), choices=Consent.GivenBy.choices)
    representative_name = forms.CharField(label=_("Representative's name"), max_length=200, required=False)
    given_on = forms.DateField(label=_("Agreed on"), widget=DATE_INPUT)


class ExtendForm(StyledForm, forms.Form):
    new_end = forms.DateField(label=_("New planned end"), widget=DATE_INPUT)
    decider = PersonChoiceField(
        queryset=None, required=False, label=_("Decided by"), empty_label=_("Other — write the name below")
    )
    decided_by = forms.CharField(label=_("Decided by, if not in the list"), max_length=200, required=False)
    decision_number = forms.CharField(
        label=_("Decision number"),
        max_length=80,
        required=False,
        help_text=_("Required when the stay goes beyond the facility's maximum."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, officers=None, **kwargs):
        """`officers`: the colleagues the user may pick (`casework.access.colleagues_known_to`)."""
        super().__init__(*args, **kwargs)
        self.fields["decider"].queryset = officers if officers is not None else User.objects.none()

    def clean(self):
        data = super().clean()
        decider = data.get("decider")
        if decider is not None:
            data["decided_by"] = self.fields["decider"].label_from_instance(decider)
        elif not data.get("decided_by", "").strip() and "decided_by" not in self.errors:
            self.add_error("decided_by", _("Choose who decided, or write the name."))
        return data


class ServiceForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=ServiceKind.choices)
    provided_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    days = forms.IntegerField(
        label=_("Days"), min_value=1, max_value=999, required=False, help_text=_("Only for essential needs.")
    )
    provider = forms.CharField(label=_("Provided by"), max_length=200)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(value, label) for value, label in ServiceKind.choices if value in kinds]


class DischargeForm(StyledForm, forms.Form):
    discharged_at = forms.DateTimeField(label=_("Discharged at"), widget=DATETIME_INPUT)
    destination = forms.ChoiceField(label=_("Goes to"), choices=Stay.Destination.choices)
    destination_detail = forms.CharField(label=_("Where exactly"), max_length=300, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(StyledForm, forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE_INPUT)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpOutcome.choices)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
