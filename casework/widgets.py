"""Widgets rendered in Python where Django's templates cost too much.

Django renders every `<option>` of a select through a template of its own. The case list's
filter offers every agency (about 350 at national scale), and at that size the option
templates took over half of the page's time (profiled at 10,000 cases); the same select
built here costs about a millisecond and gives the same markup. `DocumentFileInput` is here
as the project's other widget.
"""

from html import escape

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from casework.form_rendering import attributes


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(item) for item in self.format_value(value)}
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            attributes(self.build_attrs(self.attrs, attrs)),
            mark_safe(self._options(self.choices, selected)),  # noqa: S308 — escaped in _options
        )

    def _options(self, choices, selected: set[str]) -> str:
        # Escaped here, each value and label, with the standard library's escape (the same
        # five characters as Django's, several times faster on a thousand options).
        parts = []
        for option_value, label in choices:
            if isinstance(label, (list, tuple)):  # an option group
                parts.append(
                    f'<optgroup label="{escape(str(option_value))}">{self._options(label, selected)}</optgroup>'
                )
                continue
            text = "" if option_value is None else str(option_value)
            mark = " selected" if text in selected else ""
            if mark and not self.allow_multiple_selected:
                selected.discard(text)  # a country offered twice (common, then all) is selected once
            parts.append(f'<option value="{escape(text)}"{mark}>{escape(str(label))}</option>')
        return "".join(parts)


class DocumentFileInput(forms.FileInput):
    """A document's file picker, narrowed to the kinds accepted. It narrows the picker only:
    the server checks the file's own bytes (casework/documents.py)."""

    def __init__(self, attrs=None):
        super().__init__({"accept": ".pdf,.png,.jpg,.jpeg", **(attrs or {})})
