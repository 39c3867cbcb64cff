"""The apps import one way, and no app file grows past what a reader can hold.

The layers, lowest first, are declared in `config/architecture.py` (and explained in
docs/architecture.md). A module may import its own app and the apps *below* it; an import of an
app above it — at module level or inside a function — fails here with the file and line. Because
every allowed edge points down, no circle between apps is possible; the test still builds the
app graph and checks it for cycles, so a future change to the declared order cannot hide one.
"""

import ast
from pathlib import Path

import pytest

from config.architecture import LAYERS, MAX_MODULE_LINES

ROOT = Path(__file__).resolve().parent.parent
APPS = [app for app in LAYERS if (ROOT / app).is_dir()]


def _modules(app: str) -> list[Path]:
    return sorted(path for path in (ROOT / app).rglob("*.py") if "__pycache__" not in path.parts)


def _code_modules(app: str) -> list[Path]:
    """The app's modules without its migrations. A migration is a frozen step of the schema's
    history: an old casework migration that loaded the support catalogue keeps calling the
    loader of the app that owns that data now (decision 143), which is not a dependency of
    casework's code."""
    return [path for path in _modules(app) if "migrations" not in path.relative_to(ROOT).parts]


def _imported_apps(path: Path) -> list[tuple[str, int]]:
    """(top-level package, line) for every absolute import of a project app in the module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.extend((name.split(".")[0], node.lineno) for name in names if name.split(".")[0] in LAYERS)
    return found


def _upward_imports(app: str) -> list[str]:
    rank = LAYERS.index(app)
    return [
        f"{path.relative_to(ROOT)}:{line} imports {target} (above {app})"
        for path in _code_modules(app)
        for target, line in _imported_apps(path)
        if LAYERS.index(target) > rank
    ]


def _app_graph() -> dict[str, set[str]]:
    return {
        app: {target for path in _code_modules(app) for target, _line in _imported_apps(path) if target != app}
        for app in APPS
    }


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as a path, or [] when it has none (depth-first search)."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = "done"
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_an_app_above_it(app):
    assert _upward_imports(app) == []


def test_the_apps_form_no_circle():
    assert _cycle(_app_graph()) == []


@pytest.mark.parametrize("app", APPS)
def test_no_module_is_longer_than_the_limit(app):
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules(app)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_every_project_app_is_declared():
    """A new app must take its place in the layers, or the checks above would not see it."""
    packages = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert packages <= set(LAYERS)


def test_the_checks_see_an_upward_import(tmp_path, monkeypatch):
    """The detector itself: an import of a higher app, even inside a function, is reported."""
    module = tmp_path / "probe.py"
    module.write_text("import os\n\ndef f():\n    from referrals.models import Referral\n")
    assert _imported_apps(module) == [("referrals", 4)]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []
