"""The Vietnamese catalogue is complete, compiled and current, and pages really render in Vietnamese.

Refresh the catalogues with `make messages` (makemessages + scripts/compile_messages.py).
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from tests import services

PROJECT_ROOT = Path(settings.BASE_DIR)
LOCALE_DIR = PROJECT_ROOT / "locale"
LANGUAGES = ["vi", "en"]
GETTEXT_TOOLS = ["xgettext", "msguniq", "msgmerge", "msgattrib"]
# Not copied for the extraction run: the environment, run-time data, the catalogues themselves.
SOURCE_COPY_SKIP = [".venv", "var", "locale", ".git", "node_modules", "__pycache__", ".*_cache", "*.mo"]
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa]")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def load_po(path: Path) -> polib.POFile:
    assert path.is_file(), f"{path} is missing; run `make messages`"
    return polib.pofile(str(path), encoding="utf-8")


def key(entry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def live_entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete and entry.msgid != ""]


def translations(catalogue) -> dict:
    """msgid → msgstr (or the tuple of plural forms) of the entries gettext would use."""
    result = {}
    for entry in live_entries(catalogue):
        if getattr(entry, "fuzzy", False):  # MOEntry has no flags
            continue
        if entry.msgid_plural:
            forms = tuple(text for _index, text in sorted(entry.msgstr_plural.items()))
            if forms and all(forms):
                result[key(entry)] = forms
        elif entry.msgstr:
            result[key(entry)] = entry.msgstr
    return result


# a. Every Vietnamese entry is translated, none is fuzzy, the header is right.


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_header_is_valid(language):
    catalogue = load_po(po_path(language))
    metadata = catalogue.metadata
    assert not catalogue.metadata_is_fuzzy, f"{language}: the header is marked fuzzy"
    assert metadata.get("Language") == language
    assert re.search(r"charset=utf-8\s*$", metadata.get("Content-Type", ""), re.IGNORECASE)
    assert metadata.get("Content-Transfer-Encoding") == "8bit"
    assert re.fullmatch(r"nplurals=\d+; plural=.+;", metadata.get("Plural-Forms", ""))
    if language == "vi":
        assert metadata["Plural-Forms"] == "nplurals=1; plural=0;"


def test_vi_catalogue_has_no_empty_or_fuzzy_entry():
    catalogue = load_po(po_path("vi"))
    entries = live_entries(catalogue)
    assert entries, "the vi catalogue has no messages"
    problems = []
    for entry in entries:
        if entry.fuzzy:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            if sorted(entry.msgstr_plural) != [0] or not entry.msgstr_plural[0].strip():
                problems.append(f"plural needs exactly one non-empty msgstr[0]: {entry.msgid!r}")
        elif not entry.msgstr.strip():
            problems.append(f"untranslated: {entry.msgid!r}")
    assert not problems, "locale/vi/LC_MESSAGES/django.po:\n" + "\n".join(problems)


def test_vi_translations_keep_placeholders_and_edges():
    catalogue = load_po(po_path("vi"))
    problems = []
    for entry in live_entries(catalogue):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wanted = {tuple(sorted(PLACEHOLDER.findall(text))) for text in sources}
        for target in targets:
            if target and "python-format" in entry.flags and tuple(sorted(PLACEHOLDER.findall(target))) not in wanted:
                problems.append(f"placeholders differ: {entry.msgid!r} → {target!r}")
            if target and (target[:1].isspace(), target[-1:].isspace()) != (
                entry.msgid[:1].isspace(),
                entry.msgid[-1:].isspace(),
            ):
                problems.append(f"leading/trailing space differs: {entry.msgid!r} → {target!r}")
    assert not problems, "\n".join(problems)


# b. The committed .mo files are what the .po files compile to.


@pytest.mark.parametrize("language", LANGUAGES)
def test_mo_file_matches_po(language):
    po = po_path(language)
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing; run `make messages`"
    compiled = translations(polib.mofile(str(mo)))
    source = translations(load_po(po))
    stale = {k for k in source.keys() | compiled.keys() if source.get(k) != compiled.get(k)}
    assert not stale, (
        f"{mo.relative_to(LOCALE_DIR.parent)} is stale ({len(stale)} messages differ from the .po), "
        f"run `make messages`; first: {sorted(stale)[:5]}"
    )


# c. Every translatable string in the source is in the Vietnamese catalogue.


def test_every_source_string_is_in_vi_catalogue(settings, tmp_path, monkeypatch):
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        reason = f"makemessages needs GNU gettext ({', '.join(missing_tools)} not found)"
        if services.CI:
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)

    # makemessages writes into any ./locale under the directory it runs from, whatever LOCALE_PATHS
    # says, so it runs on a copy of the sources: the committed catalogue is never touched.
    committed_po = po_path("vi")
    committed_bytes = committed_po.read_bytes()
    work_locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, work_locale)
    sources = tmp_path / "src"
    shutil.copytree(PROJECT_ROOT, sources, ignore=shutil.ignore_patterns(*SOURCE_COPY_SKIP))
    settings.LOCALE_PATHS = [str(work_locale)]
    monkeypatch.chdir(sources)
    call_command(
        "makemessages",
        locale=["vi"],
        no_obsolete=True,
        no_location=True,
        ignore_patterns=[".venv/*", "var/*", "tests/*"],
        verbosity=0,
    )

    assert committed_po.read_bytes() == committed_bytes, "makemessages wrote into the committed catalogue"
    extracted = {key(entry) for entry in live_entries(load_po(work_locale / "vi" / "LC_MESSAGES" / "django.po"))}
    committed = {key(entry) for entry in live_entries(load_po(committed_po))}
    assert extracted, "makemessages found no translatable strings"
    missing = sorted(extracted - committed)
    assert not missing, (
        f"{len(missing)} source string(s) are missing from locale/vi/LC_MESSAGES/django.po; "
        f"run `make messages` and translate: {[msgid for _ctx, msgid, _plural in missing[:10]]}"
    )


# d. Pages come out in the chosen language.


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_sign_in_page_is_vietnamese_by_default(client):
    html = _html(client.get("/sign-in/"))
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "Tên đăng nhập" in html
    assert "Mật khẩu" in html
    assert "Sign in" not in html
    assert "Password" not in html


@pytest.mark.django_db
def test_language_switch_gives_english_sign_in_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/sign-in/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = _html(client.get("/sign-in/"))
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Password" in html
    assert "Đăng nhập" not in html


@pytest.mark.django_db
def test_english_only_when_chosen_with_the_switch(client):
    html = _html(client.get("/sign-in/", HTTP_COOKIE="django_language=en"))
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Đăng nhập" not in html


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese_first(client):
    html = _html(client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html


@pytest.mark.django_db
def test_vietnamese_browser_gets_vietnamese(client):
    html = _html(client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="vi-VN,vi;q=0.9,en;q=0.5"))
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html


@pytest.mark.django_db
def test_django_form_messages_read_as_the_project_vietnamese(world):
    """Django's own Vietnamese catalogue says "Nhập một số tổng thể." for a bad whole number;
    the project's catalogue takes precedence with plain wording."""
    from tests.fixtures.personas import sign_in

    client = sign_in(world.owner)
    response = client.post("/cases/new/person/", {"full_name": "Lò Thị Sua", "sex": "female", "birth_year": "hai"})
    content = response.content.decode()
    assert response.status_code == 400
    assert "Nhập một số nguyên." in content
    assert "tổng thể" not in content
    response = client.post("/cases/new/person/", {"full_name": "", "sex": "female"})
    assert "Vui lòng điền mục này." in response.content.decode()
