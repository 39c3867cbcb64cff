"""The lists cost the same number of queries whatever the number of rows (QUALITY P1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals import routing
from tests.fixtures.chain import new_person_case

pytestmark = pytest.mark.django_db


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert call().status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "who, path",
    [
        ("police_api", "/api/v1/cases"),
        ("police_api", "/api/v1/referrals?box=sent"),
        ("commune_api", "/api/v1/referrals"),
        ("police_api", "/api/v1/htcds/export"),
    ],
)
def test_a_list_does_not_grow_with_its_rows(api, who, path):
    caller = getattr(api, who)
    routing.route_case(new_person_case(api.police, api.police_worker, reception_commune=api.commune).pk)
    caller.get(path)  # the first request of a process fills its caches (permission ids, choices)
    one = queries(lambda: caller.get(path))
    for year in (1991, 1992, 1993):
        case = new_person_case(api.police, api.police_worker, reception_commune=api.commune, birth_year=year)
        routing.route_case(case.pk)
    assert queries(lambda: caller.get(path)) == one
