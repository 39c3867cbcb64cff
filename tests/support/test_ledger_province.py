"""A payment recorded while a correction moves its case to another province carries the
province the correction wrote (decision 325): recording a payment locks the case row first,
so it waits for the correction to commit and reads the new province."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from casework.models import Case, Province
from dashboards.invalidation import copy_provinces
from support.actions import do_decide_claim, do_record_payment
from support.models import Payment
from tests.fixtures.personas import acting
from tests.fixtures.support import claim

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_payment_recorded_while_its_case_moves_takes_the_new_province(sp):
    approved = do_decide_claim(
        claim(sp), approve=True, reason="Đủ", amount_decided_vnd=1_000_000, actor=acting(sp.boss)
    )
    hanoi = Province.objects.get(code="HN")
    moved = threading.Event()

    def move():
        """A correction in another connection: the case and its rows move, then it lingers."""
        try:
            with transaction.atomic():
                Case.objects.filter(pk=sp.case.pk).update(reception_province=hanoi)
                copy_provinces(sp.case.pk)
                moved.set()
                time.sleep(1)  # the payment below is recorded meanwhile
        finally:
            connection.close()

    mover = threading.Thread(target=move)
    mover.start()
    assert moved.wait(10)
    payment = do_record_payment(
        sp.case,  # loaded before the move: its province in memory is the old one
        item=sp.hardship,
        claim=approved,
        amount_vnd=500_000,
        payer_agency=sp.social,
        paid_on=timezone.localdate(),
        receipt_ref="PC-09/2026",
        actor=sp.worker,
    )
    mover.join()
    assert Payment.objects.get(pk=payment.pk).case_province_id == hanoi.pk
