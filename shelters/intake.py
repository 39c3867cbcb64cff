"""The intake form's sections (docs/data-model.md, Shelters). Each section is a form whose fields are all
optional while a draft is saved; `required` names what completion needs, so a worker can save
what she has and finish in a later sitting without losing anything."""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import EARLIEST_YEAR, GuardedForm, validate_phone
from casework.models import SensitivityClass

YES_NO_UNKNOWN = [("", "—"), ("yes", _("yes")), ("no", _("no")), ("unknown", _("unknown"))]


class PastDateField(forms.DateField):
    """The date something happened (the rules explained, the consent signed): not after today,
    nor before any record here can be (a mistyped year, 1900 for 2025), nor before the person
    was received (`earliest`, set by the form)."""

    earliest: datetime.date | None = None

    def validate(self, value):
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."), code="future")
        if value and value.year < EARLIEST_YEAR:
            raise forms.ValidationError(
                _("Check the date: it is earlier than %(year)s.") % {"year": EARLIEST_YEAR}, code="too_early"
            )
        if value and self.earliest and value < self.earliest:
            raise forms.ValidationError(
                _("This date is before the person was received (%(date)s).")
                % {"date": self.earliest.strftime("%d/%m/%Y")},
                code="before_reception",
            )


class SectionForm(GuardedForm, forms.Form):
    """All fields optional for a draft; `required` and `completion_errors` apply at the end."""

    required: tuple[str, ...] = ()
    # Fields naming someone are `identity` class whatever the section's class (docs/architecture.md, Flow A):
    # without `identity` they are neither shown, nor saved over, nor needed for completion.
    identity_fields: tuple[str, ...] = ()

    def __init__(self, *args, identity: bool = True, earliest: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.identity = identity
        for field in self.fields.values():
            if isinstance(field, PastDateField):
                field.earliest = earliest
        if not identity:
            for name in self.identity_fields:
                del self.fields[name]
        for field in self.fields.values():
            field.required = False
        for name in self.required:
            if name in self.fields:
                self.fields[name].widget.attrs["data-required-at-completion"] = "true"

    def completion_errors(self, data: dict) -> dict[str, str]:
        """What is missing for completion, by field, judged on the saved answers."""
        return {name: _("Needed to complete the intake.") for name in self.required if data.get(name) in (None, "", [])}

    def needed(self, data: dict) -> dict[str, str]:
        """`completion_errors`, less the identity fields when the form does not show them."""
        errors = self.completion_errors(data)
        return {name: error for name, error in errors.items() if self.identity or name not in self.identity_fields}


class ArrivalForm(SectionForm):
    condition = forms.ChoiceField(
        label=_("Physical condition on arrival"),
        choices=[
            ("", "—"),
            ("good", _("good")),
            ("exhausted", _("exhausted")),
            ("injured", _("injured")),
            ("ill", _("ill")),
        ],
    )
    emotional_state = forms.CharField(label=_("Emotional state"), widget=forms.Textarea(attrs={"rows": 2}))
    visible_injuries = forms.CharField(label=_("Visible injuries"), widget=forms.Textarea(attrs={"rows": 2}))
    accompanied_by = forms.CharField(label=_("Brought by"), max_length=200)
    required = ("condition", "emotional_state")


NEEDS = [
    ("food", _("food")),
    ("clothing", _("clothing")),
    ("hygiene", _("hygiene items")),
    ("medical", _("medical care now")),
    ("rest", _("rest and a safe room")),
    ("family_contact", _("contact with family")),
    ("interpreter", _("interpreter")),
]


class NeedsForm(SectionForm):
    needs = forms.MultipleChoiceField(label=_("Immediate needs"), choices=NEEDS, widget=forms.CheckboxSelectMultiple)
    other_needs = forms.CharField(label=_("Other needs"), widget=forms.Textarea(attrs={"rows": 2}))

    def completion_errors(self, data: dict) -> dict[str, str]:
        if not data.get("needs") and not data.get("other_needs"):
            return {"needs": _("Tick at least one need, or describe it under other needs.")}
        return {}


class HealthForm(SectionForm):
    general_health = forms.CharField(label=_("General health"), widget=forms.Textarea(attrs={"rows": 2}))
    pregnant = forms.ChoiceField(label=_("Pregnant"), choices=YES_NO_UNKNOWN)
    conditions = forms.CharField(label=_("Illnesses and medication"), widget=forms.Textarea(attrs={"rows": 2}))
    needs_doctor = forms.BooleanField(label=_("Needs to see a doctor"))
    screened_by = forms.CharField(label=_("Screened by"), max_length=200)
    required = ("general_health", "pregnant", "screened_by")


class BelongingsForm(SectionForm):
    items = forms.CharField(label=_("Belongings received"), widget=forms.Textarea(attrs={"rows": 2}))
    documents = forms.CharField(label=_("Papers received"), widget=forms.Textarea(attrs={"rows": 2}))
    cash_vnd = forms.IntegerField(label=_("Cash received (VND)"), min_value=0)
    kept_in_safe = forms.BooleanField(label=_("Kept in the office safe"))
    required = ("items",)


class RiskForm(SectionForm):
    level = forms.ChoiceField(
        label=_("Risk level"),
        choices=[("", "—"), ("low", _("low")), ("medium", _("medium")), ("high", _("high"))],
    )
    threats = forms.CharField(
        label=_("Known threats (contact from traffickers, debts, family pressure)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    measures = forms.CharField(label=_("Safety measures agreed"), widget=forms.Textarea(attrs={"rows": 2}))
    required = ("level", "measures")


class RulesForm(SectionForm):
    explained_on = PastDateField(label=_("Explained on"), widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.CharField(label=_("In which language"), max_length=100)
    understood = forms.BooleanField(label=_("She says she understood the house rules"))
    required = ("explained_on", "understood")

    def completion_errors(self, data: dict) -> dict[str, str]:
        errors = super().completion_errors(data)
        if "understood" not in errors and data.get("understood") is not True:
            errors["understood"] = _("The house rules must be explained until she has understood them.")
        return errors


class StayConsentForm(SectionForm):
    agrees = forms.BooleanField(label=_("She agrees to stay at the facility"))
    given_by = forms.ChoiceField(
        label=_("Agreed by"),
        choices=[("", "—"), ("person", _("the person")), ("representative", _("legal representative"))],
    )
    representative_name = forms.CharField(label=_("Representative's name"), max_length=200)
    signed_on = PastDateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    required = ("agrees", "given_by", "signed_on")
    identity_fields = ("representative_name",)

    def completion_errors(self, data: dict) -> dict[str, str]:
        errors = super().completion_errors(data)
        if "agrees" not in errors and data.get("agrees") is not True:
            errors["agrees"] = _("No one stays without agreeing to it.")
        if data.get("given_by") == "representative" and not data.get("representative_name"):
            errors["representative_name"] = _("Name the legal representative.")
        return errors


class ContactForm(SectionForm):
    no_safe_contact = forms.BooleanField(label=_("She has no one safe to contact"))
    name = forms.CharField(label=_("Name"), max_length=200)
    relationship = forms.CharField(label=_("Relationship"), max_length=100)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def completion_errors(self, data: dict) -> dict[str, str]:
        if data.get("no_safe_contact"):
            return {}
        return {
            name: _("Needed unless she has no one safe to contact.")
            for name in ("name", "relationship", "phone")
            if not data.get(name)
        }


class GoalsForm(SectionForm):
    goals = forms.CharField(label=_("Her goals, in her own words"), widget=forms.Textarea(attrs={"rows": 4}))
    language = forms.CharField(label=_("Language she spoke"), max_length=100)
    required = ("goals",)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    form: type[SectionForm]
    sensitivity: str


SECTIONS: tuple[Section, ...] = (
    Section("arrival", _("Arrival condition"), ArrivalForm, SensitivityClass.HEALTH),
    Section("needs", _("Immediate needs"), NeedsForm, SensitivityClass.SHELTER),
    Section("health", _("Health screening"), HealthForm, SensitivityClass.HEALTH),
    Section("belongings", _("Belongings received"), BelongingsForm, SensitivityClass.SHELTER),
    Section("risk", _("Risk assessment"), RiskForm, SensitivityClass.SHELTER),
    Section("rules", _("House rules explained"), RulesForm, SensitivityClass.SHELTER),
    Section("consent", _("Consent to stay"), StayConsentForm, SensitivityClass.SHELTER),
    Section("contact", _("Emergency contact"), ContactForm, SensitivityClass.IDENTITY),
    Section("goals", _("Her own goals"), GoalsForm, SensitivityClass.SHELTER),
)
SECTION_BY_KEY = {section.key: section for section in SECTIONS}


def to_json(cleaned: dict) -> dict:
    """A section's cleaned answers as JSON (dates as ISO strings)."""
    return {name: value.isoformat() if isinstance(value, datetime.date) else value for name, value in cleaned.items()}


def missing(sections: dict, classes: set[str] | None = None) -> dict[str, dict[str, str]]:
    """For each section (of `classes`, when given), the fields completion still needs; empty
    when the intake can complete."""
    result = {}
    for section in SECTIONS:
        if classes is not None and section.sensitivity not in classes:
            continue
        data = sections.get(section.key) or {}
        errors = section.form(identity=classes is None or SensitivityClass.IDENTITY in classes).needed(data)
        if errors:
            result[section.key] = errors
    return result
