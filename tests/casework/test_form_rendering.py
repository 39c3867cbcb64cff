"""Form fields built in Python (casework.form_rendering) give the templates' markup, byte for byte."""

import importlib
import inspect
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from casework import form_rendering
from casework.widgets import FastSelect

MARKUP = "<b>\"Lan\" & 'Hoa'</b>"
PROJECT_FORM_MODULES = (
    "casework.forms",
    "casework.account_forms",
    "casework.group_forms",
    "casework.review",
    "shelters.forms",
    "shelters.intake",
    "referrals.forms",
    "support.forms",
    "exchange.exports",
    "exchange.imports",
    "dashboards.forms",
)


class EveryWidget(forms.Form):
    name = forms.CharField(label=MARKUP, help_text=MARKUP, max_length=20)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "data-x": MARKUP}), required=False)
    count = forms.IntegerField(min_value=0, required=False)
    email = forms.EmailField(required=False)
    on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    at = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    agree = forms.BooleanField(label=mark_safe("<i>safe</i> label"), required=False)  # noqa: S308 — a test constant
    kind = forms.ChoiceField(choices=[("a", MARKUP), ("b", "B")], widget=FastSelect)
    plain = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    pick = forms.ChoiceField(choices=[("a", "A"), ("b", MARKUP)], widget=forms.RadioSelect, required=False)
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple)
    flags = forms.CharField(
        widget=forms.TextInput(attrs={"autofocus": True, "disabled": False, "data-none": None, "x": 3}),
        required=False,
    )
    phone = forms.CharField(widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}), required=False)


STATES = {
    "unbound": {},
    "initial": {"initial": {"name": MARKUP, "note": MARKUP, "count": 3, "agree": True, "kind": "a", "many": ["b"]}},
    "bound, invalid": {
        "data": {
            "name": MARKUP * 3,
            "note": "dòng 1\r\n<script>",
            "count": "-1",
            "email": 'x"y',
            "on": "31/02/2026",
            "secret": "<s>",
            "hidden": '"',
            "agree": "on",
            "kind": "zz",
            "pick": "b",
            "many": ["a", "q"],
            "flags": "&amp;",
        }
    },
}


def fields_of(form):
    return [form[name] for name in form.fields]


def with_django_renderer(field, render):
    """What `render` gives with Django's own form renderer (every widget by its template)."""
    form, ours = field.form, field.form.renderer
    form.renderer = DjangoTemplates()
    try:
        return render(field)
    finally:
        form.renderer = ours


def template_row(field) -> str:
    return with_django_renderer(field, lambda field: render_to_string("casework/_field.html", {"field": field}))


def django_widget(field) -> str:
    return with_django_renderer(field, str)


@pytest.mark.parametrize("state", STATES)
def test_every_widget_kind_renders_as_the_templates_did(state):
    form = EveryWidget(**STATES[state])
    if state.startswith("bound"):
        assert not form.is_valid() and len(form.errors) >= 6
    for field in fields_of(form):
        assert str(field) == django_widget(field), field.name
        assert form_rendering.field_row(field) == template_row(field), field.name


def test_values_and_attributes_are_escaped():
    form = EveryWidget(data={"name": '"><script>x</script>', "note": "</textarea><script>"})
    form.is_valid()
    assert "<script>" not in str(form["name"]) + str(form["note"])
    row = form_rendering.field_row(form["name"])
    assert "&lt;b&gt;&quot;Lan&quot; &amp; &#x27;Hoa&#x27;&lt;/b&gt;" in row  # the label and the help text
    assert "<i>safe</i> label" in form_rendering.field_row(form["agree"])  # a safe label stays as it is


def project_forms():
    """Every form class of the project that can be built without arguments."""
    found = {}
    for module_name in PROJECT_FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, forms.BaseForm) and value.__module__ == module_name:
                try:
                    found[f"{module_name}.{name}"] = value()
                except TypeError:  # needs a user, a case or a facility: its fields are checked by its pages
                    continue
    return found


def test_the_project_forms_render_as_the_templates_did(db):
    built = project_forms()
    assert len(built) >= 15
    checked = 0
    for name, form in built.items():
        for field in fields_of(form):
            assert str(field) == django_widget(field), f"{name}.{field.name}"
            assert form_rendering.field_row(field) == template_row(field), f"{name}.{field.name}"
            checked += 1
    assert checked >= 60


def test_the_renderer_is_the_one_in_use(settings):
    assert settings.FORM_RENDERER == "casework.form_rendering.FastRenderer"
    field = EveryWidget()["name"]
    assert isinstance(field.form.renderer, form_rendering.FastRenderer)


def test_what_a_widget_says_describes_it_is_on_the_page():
    """A field's aria-describedby names its error and its help text (Django 5.2): both rows give
    those elements the ids named, so a screen reader reads the message with the field."""
    form = EveryWidget(data={"name": "x" * 30, "count": "-1", "on": "32/13/2026"})
    assert not form.is_valid()
    for name in ("name", "count", "on"):
        field = form[name]
        named = re.search(r'aria-describedby="([^"]+)"', str(field))
        assert named is not None, name
        for row in (form_rendering.field_row(field), template_row(field)):
            for described in named.group(1).split():
                assert f'id="{described}"' in row, (name, described)
