"""The select rendered in Python gives the markup Django's templates give, and the cached
agency options follow a new agency at once."""

import pytest
from django import forms
from django.core.cache import cache

from casework.case_filters import filter_form
from casework.widgets import FastSelect
from tests.fixtures.personas import make_agency


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "— all —"), ("a", "A & <b>"), ("b", 'B "quoted"')], required=False)
    grouped = forms.ChoiceField(choices=[("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")])


@pytest.mark.parametrize("data", [{}, {"plain": "a", "grouped": "y"}, {"plain": "<script>", "grouped": "z"}])
def test_fast_select_gives_the_same_markup_as_django(data):
    def markup(widget_class, name):
        form = Choices(data or None)
        form.fields[name].widget = widget_class(choices=form.fields[name].choices, attrs={"class": "form-select"})
        return str(form[name]).replace("\n", "")

    for name in ("plain", "grouped"):
        django_html = markup(forms.Select, name)
        assert markup(FastSelect, name) == django_html.replace("  ", "")
    assert "&lt;b&gt;" in markup(FastSelect, "plain")


def test_cached_agency_options_show_a_new_agency_at_once(reference_data, settings):
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 300
    cache.clear()
    make_agency("w-first", "police", "LCA")
    assert "w-first" in _agency_codes()
    make_agency("w-second", "police", "HN")
    assert {"w-first", "w-second"} <= _agency_codes()
    cache.clear()


def _agency_codes() -> set[str]:
    from casework.models import Agency

    html = str(filter_form({})["agency"])
    return {agency.code for agency in Agency.objects.all() if f'value="{agency.pk}"' in html}
