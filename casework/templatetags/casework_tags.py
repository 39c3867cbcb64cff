from django import template

from casework.models import SensitivityClass

register = template.Library()


@register.filter
def sensitivity_labels(classes) -> str:
    """["core", "identity"] → "core, identity" in the user's language."""
    return ", ".join(str(SensitivityClass(value).label) for value in classes if value in SensitivityClass.values)
