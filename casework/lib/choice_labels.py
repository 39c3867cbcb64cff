"""`get_FOO_display()` from a table built once per field, not once per call.

Django's own `get_FOO_display()` builds a dict of the field's choices on every call, and
building it hashes every label: each lazy label is translated to be hashed. A case event's
kind has 31 choices, so one timeline line cost 31 translations (about 170 µs), and the case
list's status column 8 per row; on the case page they were most of its 650 `gettext` calls
(docs/benchmarks.md, "Choice labels and form fields without templates"). Here the table
keeps the lazy labels as they are and is built the first time a field's label is asked for;
the label is translated at the call, in the language of the request, as Django's method
answers it.

Django defines `get_FOO_display` only where the model class does not (`Field.contribute_to_class`);
`install()` defines it on the class for every field with choices of the project's models,
from `CaseworkConfig.ready()`, once every model is loaded.
"""

from django.apps import apps
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

# Django's and the third-party models keep Django's method.
DJANGO_DISPLAY = models.Model._get_FIELD_display  # type: ignore[attr-defined]
PROJECT_APPS = ("casework", "messaging", "shelters", "support", "referrals", "dashboards", "exchange", "api")


def labels_of(field) -> dict:
    """The field's value → label table (labels stay lazy), built once per field."""
    table = field.__dict__.get("_choice_labels")
    if table is None:
        table = {make_hashable(value): label for value, label in field.flatchoices}
        field.__dict__["_choice_labels"] = table
    return table


def _display(field):
    def get_display(self):
        value = getattr(self, field.attname)
        return force_str(labels_of(field).get(make_hashable(value), value), strings_only=True)

    get_display.__name__ = f"get_{field.name}_display"
    return get_display


def install() -> None:
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            # Only where Django put its own method: a model's own get_FOO_display stays.
            if field.choices is not None and f"get_{field.name}_display" in model.__dict__:
                method = model.__dict__[f"get_{field.name}_display"]
                if getattr(method, "func", None) is DJANGO_DISPLAY:
                    setattr(model, f"get_{field.name}_display", _display(field))
