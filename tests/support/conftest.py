from tests.fixtures.shelters import shelter_world  # noqa: F401 — shared fixture
