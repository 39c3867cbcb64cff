"""The documentation points only at what a fresh clone has.

Every relative link in README.md and docs/*.md must resolve to a file or folder of the
repository, and every path written in backticks that names something under one of the
repository's top-level folders (`casework/access.py`, `referrals/migrations/0008*`) must exist.
A renamed module or a link to a design document outside the clone fails here, not in a
newcomer's hands.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Top-level folders of the repository: a backticked path starting with one of them is a claim
# that the file exists. Anything else in backticks (`/cases/<id>/`, `var/private`,
# `casework.access.can`) is not checked.
TOP_LEVEL = sorted(
    path.name for path in ROOT.iterdir() if path.is_dir() and path.name not in {".git", ".venv", "var", "__pycache__"}
)

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1", re.MULTILINE | re.DOTALL)
PATH = re.compile(r"^(?:\.\./|\./)?[\w.-]+(?:/[\w.*-]+)+/?$")
# `file.py::name` or `file.py:123` name a function or a line in a file: the file must exist.
SUFFIX = re.compile(r"(::[\w.\[\]-]+|:\d+(?:-\d+)?)$")


def _text(document: Path) -> str:
    """The document without fenced code blocks (shell sessions, diagrams)."""
    return FENCE.sub("", document.read_text(encoding="utf-8"))


def _inside(target: Path) -> bool:
    try:
        target.resolve().relative_to(ROOT)
    except ValueError:
        return False
    return True


def _exists(base: Path, written: str) -> bool:
    if any(char in written for char in "*?["):
        matches = [match for match in base.glob(written) if _inside(match)]
        return bool(matches)
    target = base / written
    return _inside(target) and target.exists()


def _names_python(written: str) -> bool:
    """`tests/fixtures/queries.page_queries`: a name in a module; the module must exist."""
    folder, _slash, last = written.rpartition("/")
    module = last.split(".", 1)[0]
    return "." in last and (ROOT / folder / f"{module}.py").is_file()


def relative_links(text: str) -> list[str]:
    links = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue  # http(s), mailto: … and anchors within the page
        links.append(target.split("#", 1)[0])
    return links


def backticked_paths(text: str) -> list[str]:
    paths = []
    for span in CODE_SPAN.findall(text):
        candidate = SUFFIX.sub("", span.strip())
        if not PATH.match(candidate):
            continue
        first = candidate.split("/", 1)[0]
        if first in ("..", ".") or first in TOP_LEVEL:
            paths.append(candidate)
    return paths


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_to_a_file_of_the_repository(document):
    broken = [link for link in relative_links(_text(document)) if not _exists(document.parent, link)]
    assert broken == [], f"{document.name} links to what the clone does not have: {broken}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_repository_path_in_backticks_exists(document):
    missing = [
        path
        for path in backticked_paths(_text(document))
        if not _exists(ROOT, path.removeprefix("./")) and not _names_python(path)
    ]
    assert missing == [], f"{document.name} names paths the repository does not have: {missing}"


def test_the_checks_see_links_and_paths_and_skip_the_rest():
    text = (
        "[a](docs/deploy.md#redis) [b](https://example.org/x) [c](#top) ![img](static/x.png) "
        "`casework/access.py` `referrals/migrations/0008*` `casework/access.py::can` "
        "`/cases/<id>/support/` `casework.access.can` `var/private` `../shared/DESIGN.md`"
    )
    assert relative_links(text) == ["docs/deploy.md"]
    assert backticked_paths(text) == [
        "casework/access.py",
        "referrals/migrations/0008*",
        "casework/access.py",
        "../shared/DESIGN.md",
    ]
    assert _exists(ROOT, "referrals/migrations/0008*")
    assert not _exists(ROOT, "../shared/DESIGN.md")
    assert not _exists(ROOT, "casework/no_such_module.py")
    fenced = "1. step\n\n   ```python\n   x = `casework/no_such_module.py`\n   ```\n"
    assert backticked_paths(FENCE.sub("", fenced)) == []
    assert _names_python("tests/fixtures/queries.page_queries")
    assert not _names_python("docs/no_such_page.md")
