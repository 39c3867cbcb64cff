from tests.fixtures.probes import province_world  # noqa: F401 — a provincial supervisor over another agency's cases
