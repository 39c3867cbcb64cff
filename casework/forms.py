"""Forms validate and normalise; actions act."""

import datetime
import functools
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework import choices_cache
from casework.lib.text import megabytes, normalize_document_number, vietnamese_sort_key, with_lf
from casework.models import (
    Agency,
    CameToNotice,
    CaseStatus,
    Consent,
    Country,
    Document,
    DocumentType,
    EthnicGroup,
    FormerProvince,
    IdentificationGround,
    Incident,
    Offender,
    PicklistValue,
    Province,
    ReturnMode,
    SensitivityClass,
    Sex,
    User,
    VerificationOutcome,
)
from casework.widgets import DocumentFileInput, FastSelect

# No record in this system predates Vietnam's first anti-trafficking programmes.
EARLIEST_YEAR = 1990
# The country a new person is given until the worker chooses another (ISO 3166 alpha-2).
VIET_NAM = "VN"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHONE_INPUT = forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def cache_options(field: forms.ModelChoiceField, key: str, columns=("pk", "name", "name_en")) -> None:
    """Take a select's options (id, label in the active language) from the cache rather than
    building a model instance per row on every page: the case list's agency filter and the
    case page's consent form offer every agency, about 350 at national scale. The queryset
    still validates what is submitted; a new or renamed agency or province shows at once
    (casework.choices_cache), anything else within CAUNOI_CHOICES_CACHE_SECONDS."""
    english = (get_language() or "vi").startswith("en")

    def build() -> list[tuple[int, str]]:
        rows = field.queryset.values_list(*columns)
        if columns[2] == "name_en":
            return [(pk, name_en if english and name_en else name) for pk, name, name_en in rows]
        return [(pk, label or fallback) for pk, label, fallback in rows]  # a user: full name, else username

    @functools.cache  # Select.use_required_attribute reads the options too: fetch them once
    def options() -> list[tuple]:  # built when the select is rendered, never for a POST that redirects
        seconds = settings.CAUNOI_CHOICES_CACHE_SECONDS
        found = build() if not seconds else choices_cache.get_or_build(key, "en" if english else "vi", build, seconds)
        return [("", field.empty_label), *found] if field.empty_label is not None else found

    field.widget.choices = options


def reference_options(field: forms.ModelChoiceField, key: str | None, *, common: str = "") -> None:
    """A select of reference data (countries, provinces, ethnic groups) in Vietnamese
    alphabetical order, by the label in the active language (docs/decisions.md 200). `common`
    names a column that puts some rows first: `common_destination_order` offers the countries
    an administrator numbered in a group of their own ("Thường gặp", in that order) above the
    full list (decision 201); `is_majority` puts the Kinh first. Cached like `cache_options`
    when `key` is given."""
    english = (get_language() or "vi").startswith("en")

    def build() -> list[tuple]:
        columns = ("pk", "name", "name_en", common) if common else ("pk", "name", "name_en")
        rows = [
            (row[0], row[2] if english and row[2] else row[1], *row[3:]) for row in field.queryset.values_list(*columns)
        ]
        rows.sort(key=lambda row: vietnamese_sort_key(row[1]))
        if common == "is_majority":
            return [(pk, label) for pk, label, _first in sorted(rows, key=lambda row: not row[2])]
        everything = [(pk, label) for pk, label, *_rest in rows]
        first = sorted((row for row in rows if common and row[2] is not None), key=lambda row: row[2])
        if not first:
            return everything
        return [
            (str(_("Common destinations")), [(pk, label) for pk, label, _order in first]),
            (str(_("All countries")), everything),
        ]

    @functools.cache
    def options() -> list[tuple]:
        seconds = settings.CAUNOI_CHOICES_CACHE_SECONDS
        if key and seconds:
            found = choices_cache.get_or_build(key, "en" if english else "vi", build, seconds)
        else:
            found = build()
        return [("", field.empty_label), *found] if field.empty_label is not None else found

    field.widget.choices = options


class LabelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class _ByName(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for user in sorted(self.queryset, key=lambda user: vietnamese_sort_key(self.field.label_from_instance(user))):
            yield self.choice(user)


class PersonChoiceField(forms.ModelChoiceField):
    """A user, shown by full name (the username when there is none), in Vietnamese order."""

    iterator = _ByName

    def label_from_instance(self, obj):
        return obj.full_name or obj.username


class LabelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.label


NUL_REFUSED = _("The text contains a null character, which is not allowed. Remove it and try again.")
NUMBER_TOO_LARGE = _("This number is too large.")
# The widest integer id any table here has (a 64-bit signed primary key).
LARGEST_ID = 2**63 - 1
INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField)


def contains_nul(value) -> bool:
    """A NUL byte anywhere in a submitted value (a list for multiple choices)."""
    if isinstance(value, (list, tuple)):
        return any(contains_nul(part) for part in value)
    return isinstance(value, str) and "\x00" in value


def refuse_unsafe_input(field: forms.Field, value) -> None:
    """The guard every form runs before a field's own cleaning (docs/decisions.md 110, 177): a NUL
    byte in any field is refused (PostgreSQL cannot store it in text or JSON); a model choice
    keyed by an integer id refuses a number no id can have (SQLite and PostgreSQL fail on it)
    as an invalid choice; a whole number with no upper bound of its own refuses one wider than
    any integer column, instead of a server error."""
    if contains_nul(value):
        raise ValidationError(NUL_REFUSED, code="null_characters_not_allowed")
    if isinstance(field, forms.IntegerField) and field.max_value is None and _too_large(value):
        raise ValidationError(NUMBER_TOO_LARGE, code="max_value")
    if not isinstance(field, forms.ModelChoiceField) or field.to_field_name or field.queryset is None:
        return
    if not isinstance(field.queryset.model._meta.pk, INTEGER_KEYS):
        return
    for part in value if isinstance(value, (list, tuple)) else [value]:
        if _too_large(part):
            if isinstance(field, forms.ModelMultipleChoiceField):
                raise ValidationError(
                    field.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(part)[:20]}
                )
            raise ValidationError(field.error_messages["invalid_choice"], code="invalid_choice")


def _too_large(value) -> bool:
    """A submitted whole number (as text) beyond a 64-bit integer; anything else is left to
    the field's own cleaning."""
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if len(text) > 40:  # no need to convert a megabyte of digits to know it is too large
        return text.lstrip("+-").isdigit()
    try:
        return abs(int(text)) > LARGEST_ID
    except ValueError:
        return False


class GuardedForm:
    """The one form-level cleaner (decision 177): `refuse_unsafe_input` runs on every field of
    every form of the project, styled or not (admin and intake forms included)."""

    def _clean_fields(self):
        """Django's field loop, with `refuse_unsafe_input` first: what it refuses never reaches a
        field's clean (which may query the database with it) nor the database itself."""
        for name, bf in self._bound_items():
            field = bf.field
            try:
                if not field.disabled:
                    refuse_unsafe_input(field, bf.data)
                if not field.disabled and isinstance(field.widget, forms.Textarea):
                    # Browsers send a text area's line breaks as CR LF but count them as one
                    # character against its maxlength: stored, and counted, as LF (decision 332).
                    self.cleaned_data[name] = field.clean(with_lf(bf.data))
                else:
                    self.cleaned_data[name] = field._clean_bound_field(bf)
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except ValidationError as error:
                self.add_error(name, error)


class StyledForm(GuardedForm):
    """Bootstrap classes on every widget, and invalid fields marked for screen readers; the
    guard of `GuardedForm`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = FastSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            widget = field.widget
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect, forms.CheckboxInput)):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.mark_invalid(name)

    def mark_invalid(self, name: str) -> None:
        widget = self.fields[name].widget
        if "is-invalid" not in widget.attrs.get("class", ""):
            widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
        widget.attrs["aria-invalid"] = "true"


def picklist(list_name: str, label) -> LabelMultipleChoiceField:
    return LabelMultipleChoiceField(
        PicklistValue.objects.filter(list_name=list_name, is_active=True),
        required=False,
        label=label,
        widget=forms.CheckboxSelectMultiple,
    )


class SignInForm(StyledForm, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=200, strip=False)

    def clean_username(self):
        return self.cleaned_data["username"].strip()


COMMUNES = Agency.objects.filter(kind__code="commune", is_active=True)


def check_commune_in_province(form: forms.Form, name: str, province) -> None:
    commune = form.cleaned_data.get(name)
    if commune is not None and province is not None and commune.province_id not in (None, province.pk):
        form.add_error(name, _("This commune is not in the province chosen."))


# A telephone number as people write it: digits, with an optional leading +, spaces, dots,
# dashes and parentheses between them; 8 to 15 digits (Vietnamese numbers have 10, with the
# country code 11; landlines and foreign numbers differ). One message at a time.
PHONE_SHAPE = re.compile(r"^\+?[0-9(][0-9 .()-]*[0-9]$")


def validate_phone(value: str) -> None:
    if not PHONE_SHAPE.match(value):
        raise forms.ValidationError(
            _("Enter a telephone number: digits, optionally with +, spaces, dots, dashes or parentheses."), code="phone"
        )
    if not 8 <= sum(ch.isdigit() for ch in value) <= 15:
        raise forms.ValidationError(_("A telephone number has 8 to 15 digits."), code="phone_digits")


class PersonChecks:
    """Checks on who a person is: the wizard's person step and a group's row (group_forms.py)."""

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the person's name."))
        return name

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year is not None and not (1900 <= year <= timezone.localdate().year):
            raise forms.ValidationError(_("Enter a year between 1900 and this year."))
        return year

    def check_document_type(self, data: dict) -> None:
        if data.get("document_number") and not data.get("document_type"):
            self.add_error("document_type", _("Say which document the number belongs to."))


class PersonForm(PersonChecks, StyledForm, forms.Form):
    """Step 1 of the new-case wizard: who the person is (identity class)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    other_names = forms.CharField(label=_("Other names"), max_length=300, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_INPUT)
    birth_year = forms.IntegerField(label=_("Year of birth (if the date is unknown)"), required=False)
    ethnicity = LabelChoiceField(EthnicGroup.objects.all(), label=_("Ethnicity"), required=False)
    nationality = LabelChoiceField(Country.objects.all(), label=_("Nationality"), required=False)
    document_type = forms.ChoiceField(
        label=_("Identity document"), choices=[("", "—"), *DocumentType.choices], required=False
    )
    document_number = forms.CharField(label=_("Document number"), max_length=40, required=False)
    home_province = LabelChoiceField(Province.objects.all(), label=_("Home province"), required=False)
    home_former_province = LabelChoiceField(
        FormerProvince.objects.all(), label=_("Home province as recorded before 07/2025"), required=False
    )
    home_address = forms.CharField(label=_("Home address"), max_length=300, required=False)
    home_commune = LabelChoiceField(
        COMMUNES,
        label=_("Home commune"),
        required=False,
        help_text=_("Reintegration and follow-up go to the commune where she lives."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, widget=PHONE_INPUT)
    languages = forms.CharField(label=_("Languages spoken"), max_length=200, required=False)
    poor_household = forms.NullBooleanField(
        label=_("Poor household"),
        required=False,
        widget=forms.Select(choices=[("unknown", _("unknown")), ("true", _("yes")), ("false", _("no"))]),
    )
    stateless_resident = forms.BooleanField(
        label=_("Stateless, living permanently in Vietnam"),
        required=False,
        help_text=_("Such a person is owed the same support as a Vietnamese citizen (Law 53 art. 37)."),
    )
    guardian_name = forms.CharField(label=_("Guardian / legal representative"), max_length=200, required=False)
    guardian_relation = forms.CharField(label=_("Relation to the person"), max_length=100, required=False)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=30, required=False, widget=PHONE_INPUT)

    # A new person is most often Vietnamese (docs/decisions.md 203); a correction shows what was recorded.
    default_nationality = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cache_options(self.fields["home_commune"], "communes")
        reference_options(self.fields["nationality"], "countries")
        reference_options(self.fields["ethnicity"], "ethnic-groups", common="is_majority")
        reference_options(self.fields["home_province"], "provinces")
        reference_options(self.fields["home_former_province"], "former-provinces")
        if self.default_nationality and not self.is_bound and "nationality" not in self.initial:
            self.initial["nationality"] = Country.objects.filter(alpha2=VIET_NAM).values_list("pk", flat=True).first()

    def clean_phone(self):
        return self._checked_phone("phone")

    def clean_guardian_phone(self):
        return self._checked_phone("guardian_phone")

    def _checked_phone(self, name: str) -> str:
        # A number recorded before the check (or imported) may be kept as it is while other
        # details are corrected; a new or changed one must look like a number.
        value = self.cleaned_data[name].strip()
        if value and value != self.initial.get(name):
            validate_phone(value)
        return value

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        if birth_date and birth_date > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if birth_date and birth_date.year < 1900:
            raise forms.ValidationError(_("Check the date of birth."))
        return birth_date

    def clean(self):
        data = super().clean()
        if data.get("birth_date") and data.get("birth_year") and data["birth_date"].year != data["birth_year"]:
            self.add_error("birth_year", _("The year does not match the date of birth."))
        self.check_document_type(data)
        check_commune_in_province(self, "home_commune", data.get("home_province"))
        return data


class CaseFactsForm(StyledForm, forms.Form):
    """Step 2: how the person came to notice and what happened (core class)."""

    came_to_notice = forms.ChoiceField(label=_("How the person came to notice"), choices=CameToNotice.choices)
    received_at = forms.DateTimeField(label=_("Received at"), widget=DATETIME_INPUT)
    reception_province = LabelChoiceField(Province.objects.all(), label=_("Province of reception"))
    reception_place = forms.CharField(label=_("Place of reception"), max_length=200, required=False)
    reception_commune = LabelChoiceField(
        COMMUNES,
        label=_("Commune of reception"),
        required=False,
        help_text=_("The police, border guard and coast guard bring the person to it at once (Law 53 art. 27(1))."),
    )
    return_mode = forms.ChoiceField(
        label=_("How the person returned"), choices=[("", "—"), *ReturnMode.choices], required=False
    )
    destination_country = LabelChoiceField(Country.objects.all(), label=_("Destination country"), required=False)
    route = forms.CharField(label=_("Route"), max_length=300, required=False)
    abroad = forms.BooleanField(
        label=_("The person is still abroad"),
        required=False,
        help_text=_("Identification through a mission abroad; support differs until she returns."),
    )
    absent_from = forms.DateField(label=_("Absent from home since"), required=False, widget=DATE_INPUT)
    absent_until = forms.DateField(label=_("Absent from home until"), required=False, widget=DATE_INPUT)
    exploitation_forms = picklist(PicklistValue.List.EXPLOITATION_TYPE, _("Forms of exploitation"))
    recruitment_methods = picklist(PicklistValue.List.RECRUITMENT_METHOD, _("Recruitment methods"))
    means_of_control = picklist(PicklistValue.List.MEANS_OF_CONTROL, _("Means of control"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cache_options(self.fields["reception_commune"], "communes")
        reference_options(self.fields["reception_province"], "provinces")
        reference_options(self.fields["destination_country"], "destinations", common="common_destination_order")

    def clean_received_at(self):
        received_at = self.cleaned_data["received_at"]
        if received_at > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("The reception time cannot be in the future."))
        if received_at.year < EARLIEST_YEAR:
            raise forms.ValidationError(_("Check the reception date."))
        return received_at

    def clean(self):
        data = super().clean()
        start, end = data.get("absent_from"), data.get("absent_until")
        if start and end and end < start:
            self.add_error("absent_until", _("The end of the absence is before its start."))
        if start and start > timezone.localdate():
            self.add_error("absent_from", _("This date is in the future."))
        check_commune_in_province(self, "reception_commune", data.get("reception_province"))
        return data


class ConfirmForm(StyledForm, forms.Form):
    confirm_not_duplicate = forms.BooleanField(
        label=_("I have checked the possible duplicates and this is a new case"), required=False
    )


class TransitionForm(StyledForm, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=CaseStatus.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


OUTCOMES = [("victim", _("identified as a victim")), ("not_victim", _("not identified as a victim"))]


class ConfirmingDocumentMixin:
    """An optional scan of the confirming document, checked like any upload."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > settings.DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (limit %(limit)s MB).") % {"limit": megabytes(settings.DOCUMENT_MAX_BYTES)}
            )
        return upload


class IdentificationForm(ConfirmingDocumentMixin, StyledForm, forms.Form):
    """The decision of a competent body (Law 53 art. 32): the evidence as a checklist, the
    grounds in words, and the confirming document if there is one."""

    outcome = forms.ChoiceField(label=_("Decision"), choices=OUTCOMES, widget=forms.RadioSelect)
    identified_on = forms.DateField(label=_("Date of the decision"), widget=DATE_INPUT)
    authority = forms.CharField(
        label=_("Deciding authority"),
        max_length=200,
        help_text=_("Your agency, and the office that decided, as on the decision."),
    )
    officer = PersonChoiceField(
        queryset=None,
        required=False,
        label=_("Officer who signed"),
        empty_label=_("Other — write the name below"),
    )
    officer_name = forms.CharField(label=_("Officer who signed, if not in the list"), max_length=200, required=False)
    document = forms.CharField(label=_("Decision / confirmation number"), max_length=100, required=False)
    grounds = forms.MultipleChoiceField(
        label=_("Evidence relied on (Law 53 art. 32)"),
        choices=IdentificationGround.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(label=_("Grounds in words"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    file = forms.FileField(label=_("Confirming document (PDF, PNG or JPEG)"), required=False)

    def __init__(self, *args, officers=None, **kwargs):
        """`officers`: the colleagues the user may pick (`access.colleagues_known_to`)."""
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers if officers is not None else User.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("officer") is not None:
            data["officer_name"] = ""  # picked from the list: the name comes from the account
        if data.get("outcome") == "victim" and not data.get("grounds"):
            self.add_error("grounds", _("Tick the evidence the decision relies on (Law 53 art. 32)."))
        return data


class ProposalForm(ConfirmingDocumentMixin, StyledForm, forms.Form):
    """A proposal of the decision to the competent body, by an agency that may not decide."""

    outcome = forms.ChoiceField(label=_("Proposed decision"), choices=OUTCOMES, widget=forms.RadioSelect)
    grounds = forms.MultipleChoiceField(
        label=_("Evidence (Law 53 art. 32)"), choices=IdentificationGround.choices, widget=forms.CheckboxSelectMultiple
    )
    grounds_text = forms.CharField(
        label=_("Grounds in words"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    file = forms.FileField(label=_("Supporting document (PDF, PNG or JPEG)"), required=False)


class VerificationForm(StyledForm, forms.Form):
    outcome = forms.ChoiceField(label=_("Result"), choices=VerificationOutcome.choices, widget=forms.RadioSelect)
    concluded_at = forms.DateTimeField(label=_("Concluded at"), widget=DATETIME_INPUT)
    note = forms.CharField(label=_("What was found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ReturnForm(StyledForm, forms.Form):
    returned_on = forms.DateField(label=_("Returned to Vietnam on"), widget=DATE_INPUT)


class TaskDoneForm(StyledForm, forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    outcome = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReasonForm(StyledForm, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class SamePersonForm(StyledForm, forms.Form):
    """Link the case with another record of the same person, chosen among the candidates the
    page offers (`casework.duplicates.same_person_candidates`) and no other."""

    other = forms.ChoiceField(label=_("The other record of the same person"))
    reason = forms.CharField(
        label=_("Why they are the same person"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = [("", _("— choose —"))] + [
            (str(case.public_id), f"{case.reference} — {case.owning_agency.label}") for case in candidates
        ]


class AssignForm(StyledForm, forms.Form):
    user = forms.ModelChoiceField(queryset=None, label=_("Caseworker"))

    def __init__(self, *args, caseworkers, cache_key: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = caseworkers
        if cache_key:
            cache_options(self.fields["user"], cache_key, columns=("pk", "full_name", "username"))


def class_choices(held: set[str]):
    return [(value, label) for value, label in SensitivityClass.choices if value in held]


class NoteForm(StyledForm, forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"))

    def __init__(self, *args, held: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = class_choices(held)


class DocumentForm(StyledForm, forms.Form):
    file = forms.FileField(label=_("File (PDF, PNG or JPEG)"), widget=DocumentFileInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=Document.Kind.choices)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(self, *args, held: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = class_choices(held)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (limit %(limit)s MB).") % {"limit": megabytes(settings.DOCUMENT_MAX_BYTES)}
            )
        return upload


class ConsentForm(StyledForm, forms.ModelForm):
    classes = forms.MultipleChoiceField(
        label=_("Data that may be shared"), choices=SensitivityClass.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Consent
        fields = ["given_by", "representative_name", "classes", "agency", "agency_kind", "purpose", "given_on"]
        widgets = {"given_on": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cache_options(self.fields["agency"], "consent-agencies")
        cache_options(self.fields["agency_kind"], "agency-kinds")


class IncidentForm(StyledForm, forms.Form):
    criminal_case_number = forms.CharField(label=_("Criminal case number"), max_length=60, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class OffenderForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Offender
        fields = [
            "full_name",
            "sex",
            "birth_year",
            "nationality",
            "role_in_process",
            "relation_to_victim",
            "stage",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reference_options(self.fields["nationality"], "countries")

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year is not None and not (1900 <= year <= timezone.localdate().year):
            raise forms.ValidationError(_("Enter a year between 1900 and this year."))
        return year


class OffenderStageForm(StyledForm, forms.Form):
    """A further (or corrected) stage for an offender of the case's incident."""

    offender = forms.ModelChoiceField(queryset=Offender.objects.none(), label=_("Offender"))
    stage = forms.ChoiceField(
        choices=[("", _("not recorded")), *Offender.Stage.choices],
        required=False,
        label=_("Furthest stage of the proceedings"),
    )

    def __init__(self, *args, incident_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offender"].queryset = Offender.objects.filter(incident_id=incident_id)


# Corrections after registration (casework.corrections) ---------------------------------------


class BasedOnForm(GuardedForm, forms.Form):
    """A correction form carries the fingerprints of the values it showed (hidden)."""

    base = forms.CharField(widget=forms.HiddenInput)

    def clean_base(self):
        from casework.corrections import parse_fingerprints

        seen = parse_fingerprints(self.cleaned_data["base"])
        if seen is None:
            raise forms.ValidationError(_("The form is incomplete; open the page again."))
        return seen


class EditCaseForm(BasedOnForm, CaseFactsForm):
    """The facts of a case as the lead's caseworker corrects them (core class). Where the
    person is (abroad) has its own action, the return to Vietnam."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["abroad"]


def nullable_choice(value: bool | None) -> str:
    """The select value of a yes / no / unknown answer."""
    return {True: "true", False: "false"}.get(value, "unknown")


class EditPersonForm(BasedOnForm, PersonForm):
    """The person's details as the lead's caseworker corrects them (identity class)."""

    default_nationality = False

    disability = forms.CharField(label=_("Disability"), max_length=200, required=False)

    def clean_document_number(self):
        # As Person.save stores it, so an unchanged number is not taken for a correction.
        return normalize_document_number(self.cleaned_data["document_number"])

    def clean(self):
        data = super().clean()
        if data.get("birth_date"):
            data["birth_year"] = data["birth_date"].year  # the year follows the date (Person.save)
        return data


class IncidentEditForm(BasedOnForm, StyledForm, forms.Form):
    criminal_case_number = forms.CharField(label=_("Criminal case number"), max_length=60, required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=Incident.Stage.choices)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class OffenderEditForm(BasedOnForm, OffenderForm):
    pass


def incident_label(incident: Incident) -> str:
    return f"{incident} · {incident.get_stage_display()} · {incident.agency.label}"


class LinkIncidentForm(StyledForm, forms.Form):
    """An incident the user may see (`access.incidents_known_to`), to link a case to."""

    incident = forms.ModelChoiceField(queryset=None, to_field_name="public_id", label=_("Incident"))

    def __init__(self, *args, incidents, listed: list[Incident] | None = None, **kwargs):
        """`listed`: the incidents already fetched, offered without another query."""
        super().__init__(*args, **kwargs)
        field = self.fields["incident"]
        field.queryset = incidents
        if listed is not None:
            field.widget.choices = [("", "---------")] + [(item.public_id, incident_label(item)) for item in listed]
