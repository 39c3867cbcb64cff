"""Widgets rendered in Python where Django's templates cost too much.

Django renders every `<option>` of a select through a template of its own. The case list's
filter offers every agency (about 350 at national scale), and at that size the option
templates took over half of the page's time (profiled at 10,000 cases); the same select
built here costs about a millisecond and gives the same markup.
"""

from django import forms
from django.utils.html import format_html, format_html_join

OPTION = '<option value="{}">{}</option>'
SELECTED = '<option value="{}" selected>{}</option>'


def attributes(attrs: dict):
    """As Django's attrs.html writes them: in order, True as a bare name, False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(item) for item in self.format_value(value)}
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            attributes(self.build_attrs(self.attrs, attrs)),
            self._options(self.choices, selected),
        )

    def _options(self, choices, selected: set[str]):
        parts = []
        for option_value, label in choices:
            if isinstance(label, (list, tuple)):  # an option group
                parts.append(
                    format_html('<optgroup label="{}">{}</optgroup>', option_value, self._options(label, selected))
                )
                continue
            text = "" if option_value is None else str(option_value)
            parts.append(format_html(SELECTED if text in selected else OPTION, text, label))
        return format_html_join("", "{}", ((part,) for part in parts))
