"""`FastSelect`, the select rendered in Python, escapes like Django's `Select`."""

import pytest
from django import forms

from casework.widgets import FastSelect

HOSTILE = '"><script>alert(1)</script>'


class Hostile(forms.Form):
    pick = forms.ChoiceField(
        choices=[(HOSTILE, [(HOSTILE, HOSTILE), ("b", "B & 'b'")]), ("c", "<img src=x onerror=alert(1)>")]
    )


@pytest.mark.parametrize("data", [None, {"pick": HOSTILE}, {"pick": "c"}])
def test_fast_select_escapes_group_labels_values_labels_and_attributes(data):
    def markup(widget_class):
        form = Hostile(data)
        form.fields["pick"].widget = widget_class(
            choices=form.fields["pick"].choices, attrs={"class": "form-select", "data-x": HOSTILE, "hidden": True}
        )
        return str(form["pick"]).replace("\n", "").replace("  ", "")

    fast = markup(FastSelect)
    assert "<script>" not in fast and "<img" not in fast and "&quot;&gt;&lt;script&gt;" in fast
    assert fast == markup(forms.Select)


class Twice(forms.Form):
    """A value offered in a group of common choices and again in the full list (decision 201)."""

    pick = forms.ChoiceField(choices=[("", "—"), ("Common", [("b", "B")]), ("All", [("a", "A"), ("b", "B")])])


def test_a_value_offered_twice_is_selected_once_as_djangos_select_does():
    def markup(widget_class):
        form = Twice({"pick": "b"})
        form.fields["pick"].widget = widget_class(choices=form.fields["pick"].choices)
        return str(form["pick"]).replace("\n", "").replace("  ", "")

    fast = markup(FastSelect)
    assert fast.count(" selected") == 1
    assert '<optgroup label="Common"><option value="b" selected>B</option></optgroup>' in fast
    assert fast == markup(forms.Select)
