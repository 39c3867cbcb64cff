"""What a form's user entered, written as a reader expects it (the new-case wizard's review).

Values come from the form's cleaned data, never from matching raw submitted strings against the
choices (a substring match once showed "Angola, Trung Quốc, Antigua và Barbuda" for China):
choices by their label, records by their label, dates as dd/mm/yyyy, yes/no in words, and
nothing for what was left empty or unknown.
"""

import datetime
from collections.abc import Iterable

from django import forms
from django.db.models import Model
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _


def review_rows(form: forms.Form) -> list[tuple[str, str]]:
    """(label, text) for every field of a valid form that holds something."""
    rows = []
    for name, field in form.fields.items():
        text = _text(field, form.cleaned_data.get(name))
        if text:
            rows.append((str(field.label), text))
    return rows


def _text(field: forms.Field, value) -> str:
    if isinstance(field, forms.NullBooleanField):
        return {True: _("yes"), False: _("no")}.get(value, "")
    if value is None or value is False or value == "":
        return ""
    if value is True:
        return _("yes")
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "d/m/Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "d/m/Y")
    if isinstance(value, Model):
        return _label(field, value)
    if isinstance(value, Iterable) and not isinstance(value, str):
        return ", ".join(filter(None, (_single(field, item) for item in value)))
    return _single(field, value)


def _single(field: forms.Field, value) -> str:
    if isinstance(value, Model):
        return _label(field, value)
    choices = dict(getattr(field, "choices", ()) or ())
    return str(choices.get(value, value))


def _label(field: forms.Field, value: Model) -> str:
    label_from_instance = getattr(field, "label_from_instance", None)
    return str(label_from_instance(value) if label_from_instance else value)
