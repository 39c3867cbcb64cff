"""Issue 16: every message Django itself gives on a field of our forms (a required field, a
bad number, a choice not offered, a text too long…) reads in the project's reviewed
Vietnamese, not in Django's own catalogue, whose Vietnamese has gaps and literal renderings
("Nhập một số tổng thể." for a whole number). The forms are found as the fuzz test finds
them, so a field added later with a new Django message fails here until it is translated."""

from pathlib import Path

import django
import polib
import pytest
from django import forms
from django.utils import translation

from tests.casework.test_form_fuzz import make, project_forms
from tests.casework.test_translations import load_po, po_path

pytestmark = pytest.mark.django_db

DJANGO_ROOT = Path(django.__file__).resolve().parent
# The texts reviewed for the messages users meet most.
REVIEWED = {
    "This field is required.": "Vui lòng điền mục này.",
    "Enter a whole number.": "Nhập một số nguyên.",
    "Enter a number.": "Nhập một số.",
    "Enter a valid date.": "Nhập ngày hợp lệ (ngày/tháng/năm).",
    "Enter a valid date/time.": "Nhập ngày giờ hợp lệ.",
    "Select a valid choice. That choice is not one of the available choices.": (
        "Lựa chọn không hợp lệ: giá trị này không có trong danh sách."
    ),
}


def django_msgids() -> set[str]:
    """Every msgid of Django's own catalogues (core and contrib), from their English files."""
    found = set()
    for path in DJANGO_ROOT.glob("**/locale/en/LC_MESSAGES/django.po"):
        found |= {entry.msgid for entry in polib.pofile(str(path)) if entry.msgid}
    return found


def msgids(message) -> list[str]:
    """The source text(s) of a lazy message: one for gettext_lazy, singular and plural for
    ngettext_lazy; nothing for a plain string."""
    kw, args = getattr(message, "_kw", {}), getattr(message, "_args", ())
    if "singular" in kw:
        return [kw["singular"]]
    return [args[0]] if args and isinstance(args[0], str) else []


def field_messages(field: forms.Field):
    yield from field.error_messages.values()
    for validator in field.validators:
        if getattr(validator, "message", None) is not None:
            yield validator.message


@pytest.fixture(scope="module")
def django_ids():
    return django_msgids()


def test_every_django_message_on_our_forms_has_the_projects_vietnamese(world, django_ids):
    ours = {entry.msgid: entry for entry in load_po(po_path("vi")) if not entry.obsolete}
    used: dict[str, set[str]] = {}
    for cls in project_forms():
        form = make(cls, world, None)
        for name, field in form.fields.items():
            for message in field_messages(field):
                for msgid in msgids(message):
                    if msgid in django_ids:
                        used.setdefault(msgid, set()).add(f"{cls.__name__}.{name}")
    assert "This field is required." in used and "Enter a whole number." in used  # the walk reached the fields
    missing = sorted(msgid for msgid in used if msgid not in ours or not _translated(ours[msgid]))
    assert not missing, "Django messages without the project's Vietnamese (append them to locale/vi):\n" + "\n".join(
        f"{msgid!r} (e.g. {sorted(used[msgid])[0]})" for msgid in missing
    )


def _translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural.get(0, "").strip())
    return bool(entry.msgstr.strip()) and "fuzzy" not in entry.flags


@pytest.mark.parametrize(("msgid", "reviewed"), sorted(REVIEWED.items()))
def test_the_project_catalogue_wins_over_djangos(msgid, reviewed):
    """At run time the project's text is what gettext returns in Vietnamese."""
    with translation.override("vi"):
        assert translation.gettext(msgid) == reviewed


def test_a_form_error_reads_as_the_reviewed_vietnamese():
    from casework.forms import PersonForm

    with translation.override("vi"):
        form = PersonForm(data={"full_name": "", "sex": "female", "birth_year": "hai", "nationality": "999"})
        assert form.errors["full_name"] == ["Vui lòng điền mục này."]
        assert form.errors["birth_year"] == ["Nhập một số nguyên."]
        assert form.errors["nationality"] == [REVIEWED[next(k for k in REVIEWED if k.startswith("Select"))]]
