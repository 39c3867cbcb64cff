from django import template

from casework import form_rendering
from casework.lib.text import vnd as format_vnd
from casework.models import IdentificationGround, SensitivityClass
from casework.rows import case_rows as render_case_rows

register = template.Library()


@register.filter
def sensitivity_labels(classes) -> str:
    """["core", "identity"] → "core, identity" in the user's language."""
    return ", ".join(str(SensitivityClass(value).label) for value in classes if value in SensitivityClass.values)


@register.filter
def vnd(amount) -> str:
    """Whole VND as Vietnamese write it: 1.500.000 ₫."""
    return "" if amount is None else format_vnd(int(amount))


@register.filter
def ground_labels(grounds) -> str:
    """Identification grounds (Law 53 art. 32) in the user's language."""
    return "; ".join(
        str(IdentificationGround(value).label) for value in grounds if value in IdentificationGround.values
    )


@register.filter
def case_rows(cases):
    """The case list's table rows (casework.rows), built in Python: the most requested markup."""
    return render_case_rows(cases)


@register.simple_tag
def field_row(field):
    """A form field as casework/_field.html shows it, built in Python (casework.form_rendering)."""
    return form_rendering.field_row(field)
