"""Users read plain words, never the name of an internal document (decision 92): no template
and no translated message names QUALITY.md, DESIGN.md, DOMAIN.md, STYLE.md, the decisions
file, or one of their section codes ("QUALITY S6", "P4")."""

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
INTERNAL = re.compile(r"QUALITY|DESIGN\.md|DOMAIN\.md|STYLE\.md|decisions\.md|\b[SP]\d{1,2}\b")
# A template comment is not shown to anyone.
COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


@pytest.mark.parametrize("path", sorted((ROOT / "templates").rglob("*.html")), ids=lambda path: path.name)
def test_no_template_names_an_internal_document(path):
    text = COMMENT.sub("", path.read_text(encoding="utf-8"))
    assert not INTERNAL.findall(text), path


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_message_names_an_internal_document(language):
    catalogue = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    found = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and any(
            INTERNAL.search(text)
            for text in (entry.msgid, entry.msgid_plural, entry.msgstr, *entry.msgstr_plural.values())
        )
    ]
    assert found == []
