import pytest
from hypothesis import settings as hypothesis_settings

from tests import services
from tests.fixtures.chain import chain  # noqa: F401 — the reception chain's agencies
from tests.fixtures.personas import *  # noqa: F401,F403 — personas are shared fixtures
from tests.fixtures.printed import printed  # noqa: F401 — the text of the PDFs a test prints

# CI runs the same examples every time; local runs explore new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if services.CI else "dev")

SERVICE_MARKERS = {"postgres", "redis", "celery_worker", "browser"}
_skipped: list[str] = []


def pytest_runtest_setup(item):
    wanted = {mark.name for mark in item.iter_markers()} & SERVICE_MARKERS
    missing = services.missing_for(wanted)
    if not missing:
        return
    message = f"needs {', '.join(missing)}"
    if services.CI:
        pytest.fail(f"CI=true and a required service is missing: {message}", pytrace=False)
    _skipped.append(f"{item.nodeid}: {message}")
    pytest.skip(f"{message} (CI=true would fail)")


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.section("skipped for missing services (CI=true would fail)")
        for line in _skipped:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded documents of a test go to its own temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture(autouse=True)
def _breakers_closed():
    """A test that makes Redis fail must not leave the next test of the worker skipping it."""
    from config import circuit

    circuit.reset_all()
    yield
    circuit.reset_all()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language. A request made with the English switch leaves
    English active in the thread (LocaleMiddleware never deactivates), which would otherwise
    leak into the next test on the same worker."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
