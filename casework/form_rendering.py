"""Form fields rendered in Python: the same markup as Django's widget templates and ours.

Each field of a form went through three or four template renders — `casework/_field.html`,
then the widget's template, `input.html` and `attrs.html` — about 0.2–0.3 ms a field, and the
case page alone shows eight (docs/benchmarks.md, "Choice labels and form fields without
templates"). Here:

- `FastRenderer` (settings.FORM_RENDERER) builds the `<input>` and `<textarea>` of Django's
  own widget templates in Python and hands every other template (selects are `FastSelect`
  already, radio and checkbox lists, the file input, our own widgets) to Django's renderer.
- `field_row(field)` (the `{% field_row %}` tag) builds `casework/_field.html`'s markup for
  a field; a radio or checkbox list still renders that template.

Every value is escaped as the template engine escapes it: `conditional_escape`, so what is
already safe stays as it is. tests/casework/test_form_rendering.py compares both with the
templates, byte for byte, for every field of the project's forms.
"""

from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

WIDGETS = "django/forms/widgets/"
# Django's widget templates that are `{% include "django/forms/widgets/input.html" %}` alone.
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "tel",
        "search",
        "color",
        "checkbox",
    )
)
TEXTAREA = f"{WIDGETS}textarea.html"
CHOICE_LISTS = ("checkboxselectmultiple", "radioselect")


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}`: the value as a string, escaped unless it is safe."""
    return conditional_escape(value if isinstance(value, str) else str(value))


def attributes(attrs: dict) -> SafeString:
    """attrs.html: in order, True as a bare name, False left out (None is written "None").
    Also `FastSelect`'s (casework/widgets.py)."""
    return mark_safe(  # noqa: S308 — every name and value escaped
        "".join(
            f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{attributes(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{attributes(widget["attrs"])}>\n{value}</textarea>'


class FastRenderer(DjangoTemplates):
    """Django's default form renderer, with the input and textarea templates built in Python."""

    def render(self, template_name, context, request=None):
        if template_name in INPUTS:
            return mark_safe(_input(context["widget"]))  # noqa: S308 — every part escaped in _input
        if template_name == TEXTAREA:
            return mark_safe(_textarea(context["widget"]))  # noqa: S308 — every part escaped in _textarea
        return super().render(template_name, context, request=request)


def field_row(field) -> SafeString:
    """casework/_field.html for one bound field: label, widget, errors and help text."""
    kind = field.widget_type
    if kind in CHOICE_LISTS:
        return mark_safe(render_to_string("casework/_field.html", {"field": field}))  # noqa: S308 — a template
    label = conditional_escape(field.label)
    for_label = conditional_escape(field.id_for_label)
    if kind == "checkbox":
        check = f'<label class="form-check-label" for="{for_label}">{label}</label>'
        body = f'    <div class="form-check">{field}{check}</div>\n'
    else:
        required = ' <span class="text-danger" aria-hidden="true">*</span>' if field.field.required else ""
        body = f'    <label class="form-label" for="{for_label}">{label}{required}</label>\n    {field}\n'
    # The ids the widget's aria-describedby names (Django 5.2), so a screen reader reads them.
    auto_id = conditional_escape(field.auto_id)
    errors = "".join(
        f'<div class="invalid-feedback d-block">{conditional_escape(error)}</div>' for error in field.errors
    )
    error_id = f' id="{auto_id}_error"' if auto_id else ""
    if errors:
        errors = f"<div{error_id}>{errors}</div>"
    help_id = f' id="{auto_id}_helptext"' if auto_id else ""
    help_text = (
        f'<div class="form-text"{help_id}>{conditional_escape(field.help_text)}</div>' if field.help_text else ""
    )
    return mark_safe(  # noqa: S308 — every part escaped above, the widget by its renderer
        f'<div class="mb-3 field-{conditional_escape(field.name)}">\n  \n{body}  \n  {errors}\n  {help_text}\n</div>\n'
    )
