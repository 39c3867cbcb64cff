"""Compile every locale/*/LC_MESSAGES/django.po to django.mo with polib (no GNU gettext needed).

Usage: python scripts/compile_messages.py [LOCALE_DIR ...]

Without arguments it compiles the project's ``locale`` directory. Fuzzy and obsolete entries are
left out (as msgfmt does). The output is deterministic: entries are sorted by (msgctxt, msgid),
so the same .po always gives the same bytes. A .po that cannot be parsed, has a broken header or
whose placeholders do not match its msgid makes the script stop with a non-zero exit status and
a message naming the file; nothing is written for that file.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import polib

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Python %-format placeholders: %(name)s, %s, %d, %%. Django's {{ var }} is inside blocktranslate
# strings as %(var)s already, so this covers both.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


class CatalogueError(Exception):
    """A .po file that must not be compiled."""


def _placeholders(text: str) -> list[str]:
    return sorted(p for p in _PERCENT.findall(text) if p != "%%")


def _check_entry(entry: polib.POEntry) -> list[str]:
    """Placeholder mismatches of one translated python-format entry."""
    if "python-format" not in entry.flags:
        return []
    problems = []
    if entry.msgid_plural:
        allowed = (_placeholders(entry.msgid), _placeholders(entry.msgid_plural))
        for index, text in sorted(entry.msgstr_plural.items()):
            if text and _placeholders(text) not in allowed:
                problems.append(
                    f"msgid {entry.msgid!r}: msgstr[{index}] has placeholders {_placeholders(text)}, "
                    f"expected {allowed[-1]}"
                )
    elif entry.msgstr and _placeholders(entry.msgstr) != _placeholders(entry.msgid):
        problems.append(
            f"msgid {entry.msgid!r}: msgstr has placeholders {_placeholders(entry.msgstr)}, "
            f"expected {_placeholders(entry.msgid)}"
        )
    return problems


def _translated(entry: polib.POEntry) -> bool:
    if entry.obsolete or entry.fuzzy:
        return False
    if entry.msgid == "":
        return True  # the header
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def compile_po(po_path: Path) -> Path:
    """Write django.mo next to ``po_path`` and return its path. Raises CatalogueError."""
    try:
        catalogue = polib.pofile(str(po_path), encoding="utf-8", check_for_duplicates=True)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{po_path}: cannot parse: {exc}") from exc

    charset = catalogue.metadata.get("Content-Type", "")
    if "charset=" not in charset:
        raise CatalogueError(f"{po_path}: header has no Content-Type charset")
    if charset.split("charset=", 1)[1].strip().lower() not in {"utf-8", "utf8"}:
        raise CatalogueError(f"{po_path}: charset must be UTF-8, found {charset!r}")

    problems = []
    for entry in catalogue:
        if entry.obsolete or entry.fuzzy:
            continue
        problems.extend(_check_entry(entry))
    if problems:
        raise CatalogueError(f"{po_path}: placeholder errors:\n  " + "\n  ".join(problems))

    compiled = polib.POFile(wrapwidth=catalogue.wrapwidth, encoding="utf-8")
    # Like msgfmt, leave out POT-Creation-Date: a fresh makemessages run alone must not change the .mo.
    compiled.metadata = {key: value for key, value in catalogue.metadata.items() if key != "POT-Creation-Date"}
    kept = [entry for entry in catalogue if entry.msgid != "" and _translated(entry)]
    kept.sort(key=lambda e: ((e.msgctxt or ""), e.msgid, e.msgid_plural or ""))
    for entry in kept:
        compiled.append(
            polib.POEntry(
                msgctxt=entry.msgctxt,
                msgid=entry.msgid,
                msgid_plural=entry.msgid_plural,
                msgstr=entry.msgstr,
                msgstr_plural=dict(entry.msgstr_plural),
            )
        )

    mo_path = po_path.with_suffix(".mo")
    tmp_path = mo_path.with_suffix(".mo.tmp")
    try:
        compiled.save_as_mofile(str(tmp_path))
        tmp_path.replace(mo_path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise CatalogueError(f"{mo_path}: cannot write: {exc}") from exc
    return mo_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locale_dirs", nargs="*", type=Path, default=[PROJECT_ROOT / "locale"])
    args = parser.parse_args(argv)

    po_files = sorted(po for d in args.locale_dirs for po in d.glob("*/LC_MESSAGES/django.po"))
    if not po_files:
        print(
            f"compile_messages: no */LC_MESSAGES/django.po under {', '.join(map(str, args.locale_dirs))}",
            file=sys.stderr,
        )
        return 1

    failed = 0
    for po_path in po_files:
        try:
            mo_path = compile_po(po_path)
        except CatalogueError as exc:
            print(f"compile_messages: ERROR {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"compiled {po_path} -> {mo_path.name}")
    if failed:
        print(f"compile_messages: {failed} catalogue(s) not compiled", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
