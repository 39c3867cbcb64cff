"""Issue 17, decision 177: every form of the project, found by walking the apps' modules, runs
the one form-level guard. A NUL byte in any field, and a 30-digit number in any whole-number or
choice field, make the form invalid with an error on that field, never an exception. A form
added later is found too; one whose constructor needs arguments fails here until it is given
them in CONSTRUCTOR_ARGUMENTS below."""

import importlib
import pkgutil

import pytest
from django import forms
from django.utils import translation

from casework.forms import NUL_REFUSED, NUMBER_TOO_LARGE, GuardedForm
from casework.models import Agency, Incident, User

pytestmark = pytest.mark.django_db

APPS = ["casework", "messaging", "shelters", "support", "referrals", "dashboards", "exchange", "devdata"]
HUGE = "9" * 30
NUL = "a\x00b"


def project_forms() -> list[type[forms.BaseForm]]:
    for app in APPS:
        try:
            package = importlib.import_module(app)
        except ImportError:  # `support` is not in every branch yet
            continue
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not {"migrations", "management", "tests"} & set(module.name.split(".")):
                importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    found = {cls for cls in below(forms.BaseForm) if cls.__module__.split(".")[0] in APPS and cls.base_fields}
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def _scope(world):
    from dashboards.scope import Scope

    national = Agency.objects.get(pk=world.police.pk)
    national.statistics_scope = "national"  # every filter field shown
    return Scope.of(national)


CONSTRUCTOR_ARGUMENTS = {
    "ReauthenticateForm": lambda world: {"with_code": True},
    "AssignForm": lambda world: {"caseworkers": User.objects.all()},
    "AssignWorkerForm": lambda world: {"caseworkers": User.objects.all()},
    "CaseFilterForm": lambda world: {"agencies": Agency.objects.all()},
    "RedirectForm": lambda world: {"agencies": Agency.objects.all()},
    "DocumentForm": lambda world: {"held": {"core", "identity", "health", "investigation"}},
    "NoteForm": lambda world: {"held": {"core", "identity", "health", "investigation"}},
    "LinkIncidentForm": lambda world: {"incidents": Incident.objects.all()},
    "OffenderStageForm": lambda world: {"incident_id": None},
    "PeriodFilterForm": lambda world: {"scope": _scope(world)},
    "SendReferralForm": lambda world: {"from_agency": world.police},
    "IdentificationForm": lambda world: {"officers": User.objects.all()},
    "ExtendForm": lambda world: {"officers": User.objects.all()},
}
# Forms built on a user (Django's password forms).
USER_FIRST = {"PasswordChangeForm", "SetPasswordForm"}


def make(cls, world, data):
    kwargs = CONSTRUCTOR_ARGUMENTS.get(cls.__name__, lambda world: {})(world)
    args = [world.owner] if cls.__name__ in USER_FIRST else []
    return cls(*args, data=data, **kwargs)


def submitted(field: forms.Field, name: str, value: str) -> dict:
    """The POST data that puts `value` into the field, whatever its widget reads."""
    widget = field.widget
    if isinstance(widget, forms.MultiWidget):
        return {f"{name}{suffix}": value for suffix in widget.widgets_names}
    if isinstance(widget, forms.SelectMultiple) or isinstance(field, forms.MultipleChoiceField):
        return {name: [value]}
    return {name: value}


def fields_of(cls, world) -> dict[str, forms.Field]:
    """The fields an instance has (a form may add or drop some in its constructor)."""
    return make(cls, world, {}).fields


def texts(cls, world) -> list[str]:
    return [
        name
        for name, field in fields_of(cls, world).items()
        if not field.disabled
        and not isinstance(field, (forms.BooleanField, forms.FileField))  # on/off; a file is not text
    ]


def numbers(cls) -> list[str]:
    kinds = (forms.IntegerField, forms.ChoiceField, forms.ModelChoiceField)
    return [name for name, field in cls.base_fields.items() if not field.disabled and isinstance(field, kinds)]


def number_fields(cls, world) -> list[str]:
    kinds = (forms.IntegerField, forms.ChoiceField, forms.ModelChoiceField)
    return [name for name, field in fields_of(cls, world).items() if not field.disabled and isinstance(field, kinds)]


FORMS = project_forms()


def test_every_form_runs_the_guard():
    assert len(FORMS) > 40
    unguarded = [f"{cls.__module__}.{cls.__name__}" for cls in FORMS if not issubclass(cls, GuardedForm)]
    assert unguarded == []


@translation.override("en")
@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: cls.__name__)
def test_a_nul_byte_in_any_field_is_an_error_on_that_field(world, cls):
    fields, names = fields_of(cls, world), texts(cls, world)
    for name in names:
        form = make(cls, world, submitted(fields[name], name, NUL))
        assert not form.is_valid(), name
        assert str(NUL_REFUSED) in [str(error) for error in form.errors.get(name, [])], (name, form.errors)
    if not names:
        return  # check boxes only
    # All at once: the form's own clean sees none of them.
    data = {}
    for name in names:
        data |= submitted(fields[name], name, NUL)
    form = make(cls, world, data)
    assert not form.is_valid()
    assert set(names) <= set(form.errors)


@translation.override("en")
@pytest.mark.parametrize("cls", [cls for cls in FORMS if numbers(cls)], ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "1" + "0" * 5000])
def test_a_huge_number_in_any_number_or_choice_field_is_an_error_on_that_field(world, cls, value):
    fields = fields_of(cls, world)
    for name in number_fields(cls, world):
        form = make(cls, world, submitted(fields[name], name, value))
        assert not form.is_valid(), name
        assert form.errors.get(name), (name, form.errors)


def test_a_whole_number_with_no_bound_of_its_own_says_it_is_too_large(world):
    from casework.forms import OffenderForm

    with translation.override("en"):
        form = OffenderForm(data={"birth_year": HUGE})
        assert not form.is_valid()
        assert form.errors["birth_year"] == [str(NUMBER_TOO_LARGE)]
        assert str(NUMBER_TOO_LARGE) == "This number is too large."
