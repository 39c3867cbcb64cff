"""Races that only a real database with concurrent connections can show."""

import threading

import pytest
from django.db import connection

from casework import actions
from casework.models import Province


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reference_allocation_never_repeats_a_number(reference_data):
    province = Province.objects.get(code="LCA")
    references: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def allocate():
        try:
            start.wait()
            for _ in range(5):
                references.append(actions.allocate_reference(province, 2040))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(references) == 40
    assert len(set(references)) == 40
