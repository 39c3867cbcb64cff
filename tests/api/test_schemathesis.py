"""The published schema against the app itself (issue 19): schemathesis generates requests for
every operation of /api/schema, valid ones and invalid ones, and sends them in-process (WSGI)
with a valid token of a client holding every scope. No answer may be a server error, every
status must be one the schema documents, and every answer must match its schema. Bounded: a few examples per
operation and mode, so the run stays well under two minutes."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from config.wsgi import application
from referrals import routing
from tests import services
from tests.api.conftest import make_client
from tests.fixtures.chain import new_person_case, referral_to

pytestmark = pytest.mark.django_db
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}


@pytest.mark.parametrize("mode", list(EXAMPLES))
def test_no_operation_answers_a_server_error_or_off_schema(api, settings_override, mode):
    _client, caller = make_client(api.police, name="Schemathesis")
    schema = schemathesis.openapi.from_wsgi("/api/schema", application)
    headers = {"Authorization": f"Bearer {caller.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Valid requests name real objects: a case of the police and a referral it sent.
    case = new_person_case(api.police, api.police_worker, reception_commune=api.commune)
    routing.route_case(case.pk)
    codes = {
        "cases": str(case.public_id),
        "referrals": str(referral_to(case, "commune_reception", api.commune).public_id),
    }
    assert len(operations) == 12
    failures = []
    for operation in operations:
        real = {"code": codes[operation.path.split("/")[3]]} if "{code}" in operation.path else None
        strategy = operation.as_strategy(
            generation_mode=mode, path_parameters=real if mode == GenerationMode.POSITIVE else None
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            database=None,
            derandomize=services.CI,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
            )

        try:
            run()
        except Exception as failure:  # one report for every operation, not only the first
            failures.append(f"{operation.label}: {failure}")
    assert failures == []


@pytest.fixture
def settings_override(settings):
    """No rate limit (hundreds of calls in a minute, on purpose), and the test's database
    connection kept across the in-process requests: Django closes it when a request finishes,
    which on PostgreSQL would end the test's transaction. Django's own test client does the
    same around each request."""
    settings.CAUNOI_API_RATE_PER_MINUTE = 0
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield settings
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
