"""The case list's filter form: query-string values validated, a malformed one dropped."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_INPUT, LabelChoiceField, StyledForm, cache_options, reference_options
from casework.models import (
    AgeBand,
    CaseStatus,
    Country,
    EthnicGroup,
    PersonStatus,
    PicklistValue,
    Province,
    ReturnMode,
    Sex,
)

# The filter value for "no destination / return mode recorded".
NOT_RECORDED = "none"
PAGING = ("page", "after", "before")


class CaseFilterForm(StyledForm, forms.Form):
    """Query-string filters of the case list; malformed values are dropped, never a 500.

    The figures of the statistics page link here with the same names (`sex`, `age_band`,
    `destination`, …), and an export of the list stores the same parameters.
    """

    q = forms.CharField(required=False, max_length=100, label=_("Search name or reference"))
    status = forms.ChoiceField(
        required=False, choices=[("", _("All statuses")), *CaseStatus.choices], label=_("Status")
    )
    province = LabelChoiceField(
        Province.objects.all(), required=False, label=_("Province"), empty_label=_("All provinces")
    )
    agency = LabelChoiceField(queryset=None, required=False, label=_("Agency"), empty_label=_("All agencies"))
    mine = forms.BooleanField(required=False, label=_("Assigned to me"))
    children = forms.BooleanField(required=False, label=_("Children only"))
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    # Facts about the person (identity class): they match only cases whose identity is held.
    sex = forms.ChoiceField(required=False, choices=[("", _("Any")), *Sex.choices], label=_("Sex"))
    ethnicity = LabelChoiceField(
        EthnicGroup.objects.all(), to_field_name="code", required=False, label=_("Ethnicity"), widget=forms.HiddenInput
    )
    minority = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("1", _("Ethnic minorities")), ("0", _("Kinh"))],
        label=_("Ethnic group"),
    )
    age_band = forms.ChoiceField(
        required=False, choices=[("", _("Any")), *AgeBand.choices], label=_("Age at reception")
    )
    # Core facts of the case.
    person_status = forms.ChoiceField(
        required=False, choices=[("", _("Any")), *PersonStatus.choices], label=_("Person status")
    )
    destination = forms.CharField(
        required=False, max_length=4, label=_("Destination country"), widget=forms.HiddenInput
    )
    exploitation = forms.CharField(
        required=False, max_length=80, label=_("Form of exploitation"), widget=forms.HiddenInput
    )
    return_mode = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), *ReturnMode.choices, (NOT_RECORDED, _("not recorded"))],
        label=_("How the person returned"),
    )
    received_from = forms.DateField(required=False, label=_("Received from"), widget=DATE_INPUT)
    received_to = forms.DateField(required=False, label=_("Received until"), widget=DATE_INPUT)
    incident = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("1", _("Linked to an incident")), ("0", _("Not linked to an incident"))],
        label=_("Incident"),
    )
    # Not in the bar; the labels name them where a refusal is said (decision 334).
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, label=_("Page"))
    # Keyset cursors (casework.pagination): the case the next or previous page starts from.
    after = forms.UUIDField(required=False, label=_("Place in the list"))
    before = forms.UUIDField(required=False, label=_("Place in the list"))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        cache_options(self.fields["agency"], "case-list-agencies")
        reference_options(self.fields["province"], "provinces")

    def clean_destination(self):
        """A country's alpha-2 code, or "none" for cases without a destination recorded."""
        code = self.cleaned_data["destination"].strip()
        if not code or code == NOT_RECORDED:
            return code
        country = Country.objects.filter(alpha2=code.upper()).first()
        if country is None:
            raise forms.ValidationError(_("Unknown country."))
        return country

    def clean_exploitation(self):
        code = self.cleaned_data["exploitation"].strip()
        if not code:
            return code
        value = PicklistValue.objects.filter(list_name=PicklistValue.List.EXPLOITATION_TYPE, code=code).first()
        if value is None:
            raise forms.ValidationError(_("Unknown form of exploitation."))
        return value

    def valid_data(self) -> dict:
        """The filters that validated; a bad one is ignored instead of failing the page."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def params(self) -> dict[str, str]:
        """The valid, non-empty filters as query-string values (JSON-safe; page left out)."""
        data = self.valid_data()
        return {
            name: self[name].value() if not isinstance(value, bool) else "on"
            for name, value in data.items()
            if name not in PAGING and value not in (None, "", False)
        }
