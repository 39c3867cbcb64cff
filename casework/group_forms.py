"""The forms of group reception (issue 16): what the group shares, and one row per person."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import LabelChoiceField, PersonChecks, StyledForm, cache_options
from casework.lib.text import normalize_document_number, normalize_name
from casework.models import DocumentType, Province, Sex
from casework.models.people import age_from_birth_year

# Rows shown at first, rows one "add more rows" button adds, and the most one group may have
# (a returned group of 600 is registered in several sittings).
FIRST_ROWS = 5
MORE_ROWS = 5
MAX_ROWS = 100
ADULT_AGE = 18


def is_child(birth_year: int | None, received_on: datetime.date) -> bool | None:
    """Under 18 at reception by the year of birth alone (the project's rule for a year without a
    date, casework.models.people.age_from_birth_year); None when the year is unknown."""
    if not birth_year:
        return None
    return age_from_birth_year(birth_year, received_on) < ADULT_AGE


class GroupForm(StyledForm, forms.Form):
    """Step 1, with the wizard's facts form: the group's name and its incident."""

    name = forms.CharField(
        label=_("Name of the group"),
        max_length=200,
        required=False,
        help_text=_("For example: returned through the Mộc Bài border gate on 12/3."),
    )
    criminal_case_number = forms.CharField(label=_("Criminal case number"), max_length=60, required=False)
    summary = forms.CharField(
        label=_("What happened to the group"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MemberForm(PersonChecks, StyledForm, forms.Form):
    """One person of the group: a row of the table."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices])
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False)
    home_province = LabelChoiceField(Province.objects.all(), label=_("Home province"), required=False, empty_label="—")
    document_type = forms.ChoiceField(
        label=_("Identity document"), choices=[("", "—"), *DocumentType.choices], required=False
    )
    document_number = forms.CharField(label=_("Document number"), max_length=40, required=False)
    accompanied_by = forms.TypedChoiceField(
        label=_("Accompanied by"), coerce=int, empty_value=None, required=False, choices=[]
    )

    def __init__(self, *args, rows: int = FIRST_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        cache_options(self.fields["home_province"], "provinces")
        self.fields["accompanied_by"].choices = [("", "—")] + [
            (number, _("row %(number)s") % {"number": number}) for number in range(1, rows + 1)
        ]

    def clean(self):
        data = super().clean()
        self.check_document_type(data)
        return data


class BaseMemberFormSet(forms.BaseFormSet):
    """The table of people. A row left empty is skipped; the checks across rows (who
    accompanies whom, a person typed twice) mark the row they concern."""

    received_on: datetime.date | None = None

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "rows": self.total_form_count()}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            rows=self.total_form_count(),
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def filled(self) -> list[tuple[int, forms.Form]]:
        """(row number from 1, form) of the rows something was typed in."""
        return [(index + 1, form) for index, form in enumerate(self.forms) if form.has_changed()]

    def clean(self):
        filled = self.filled()
        if not filled:
            raise forms.ValidationError(_("Enter at least one person."), code="no_one")
        received_on = self.received_on or timezone.localdate()
        rows = dict(filled)
        seen: dict[object, int] = {}
        for number, form in filled:
            data = getattr(form, "cleaned_data", {})
            self._check_repeat(number, form, data, seen)
            companion = data.get("accompanied_by")
            if companion is None:
                continue
            other = rows.get(companion)
            if companion == number:
                form.add_error("accompanied_by", _("A person cannot accompany themselves."))
            elif other is None:
                form.add_error("accompanied_by", _("Row %(number)s is empty.") % {"number": companion})
            elif getattr(other, "cleaned_data", {}).get("accompanied_by") is not None:
                form.add_error(
                    "accompanied_by",
                    _("The person in row %(number)s is accompanied too: choose the adult who accompanies them.")
                    % {"number": companion},
                )
            elif is_child(getattr(other, "cleaned_data", {}).get("birth_year"), received_on):
                form.add_error("accompanied_by", _("The person in row %(number)s is under 18.") % {"number": companion})

    @staticmethod
    def _check_repeat(number: int, form: forms.Form, data: dict, seen: dict) -> None:
        """The same person twice in one table, by the duplicate rule itself (casework.duplicates)."""
        keys = []
        name_key = normalize_name(data.get("full_name") or "")
        if name_key and data.get("birth_year") and data.get("home_province"):
            keys.append(("person", name_key, data["birth_year"], data["home_province"].pk))
        document = normalize_document_number(data.get("document_number") or "")
        if document:
            keys.append(("document", document))
        for key in keys:
            if key in seen:
                form.add_error("full_name", _("This person is already in row %(number)s.") % {"number": seen[key]})
                return
        for key in keys:
            seen[key] = number


MemberFormSet = forms.formset_factory(
    MemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)
