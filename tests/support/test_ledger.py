"""The payment ledger: whole VND, positive lines, reversals as corrections, never more than a
claim's decided amount, only for what the person is entitled to; totals net reversals out; the
database refuses to edit or delete a line."""

import datetime
import threading
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import DatabaseError, ProgrammingError, connection, transaction
from django.utils import translation

from casework.lib.text import vnd
from casework.models import (
    AuditEvent,
    Case,
    CaseEvent,
    Country,
    LegalRegime,
    Person,
    PersonStatus,
    Province,
    Role,
    SensitivityClass,
)
from support.actions import LedgerError, do_record_payment, do_reverse_payment
from support.models import Claim, ClaimStatus, ItemRate, Payment, SupportItem
from support.queries import paid, remaining, totals
from tests.fixtures.personas import acting, make_agency, make_case, make_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 9, 15)


def a_case(police, owner, *, status=PersonStatus.VICTIM, province="LCA", regime=LegalRegime.LAW_2024):
    case = make_case(
        police,
        acting(owner),
        person_status=status,
        legal_regime=regime,
        reception_province=Province.objects.get(code=province),
    )
    Person.objects.filter(pk=case.person_id).update(nationality=Country.objects.get(alpha2="VN"))
    return Case.objects.select_related("person__nationality").get(pk=case.pk)


def a_claim(ledger, *, case=None, item=None, status=ClaimStatus.APPROVED, decided=3_000_000) -> Claim:
    return Claim.objects.create(
        case=case or ledger.case,
        item=item or ledger.hardship,
        deciding_agency=ledger.payer,
        filed_on=TODAY - datetime.timedelta(days=20),
        filed_by=ledger.owner,
        documents="Mẫu số 07",
        status=status,
        amount_decided_vnd=decided if status == ClaimStatus.APPROVED else None,
    )


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2025, 9, 15, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))):
        yield


@pytest.fixture
def ledger(reference_data, frozen):
    police = make_agency("t-police", "police", "LCA")
    payer = make_agency("t-sp-lca", "social_protection", "LCA")
    other_payer = make_agency("t-sp-hn", "social_protection", "HN")
    owner = make_user("owner", police, Role.CASEWORKER)
    cashier = make_user("cashier", payer, Role.CASEWORKER)
    ledger = SimpleNamespace(
        police=police,
        payer=payer,
        other_payer=other_payer,
        owner=owner,
        cashier=cashier,
        case=a_case(police, owner),
        essentials=SupportItem.objects.get(code="l53-a"),
        hardship=SupportItem.objects.get(code="l53-k"),
    )
    ledger.claim = a_claim(ledger)
    # Test data: a national daily rate for essential needs (none is shipped; docs/domain.md §5).
    ItemRate.objects.create(item=ledger.essentials, effective_from="2025-01-01", amount_vnd=50_000, legal_basis="x")
    return ledger


def pay(ledger, amount=1_000_000, *, case=None, item=None, claim="default", paid_on=TODAY, payer=None, **extra):
    item = item or ledger.hardship
    if claim == "default":
        claim = ledger.claim if item == ledger.hardship else None
    return do_record_payment(
        case or ledger.case,
        item=item,
        amount_vnd=amount,
        paid_on=paid_on,
        payer_agency=payer or ledger.payer,
        receipt_ref=extra.pop("receipt_ref", "PC-2025-001"),
        actor=ledger.cashier,
        claim=claim,
        **extra,
    )


def refusals(case) -> list[str]:
    rows = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.REFUSED).order_by("id")
    return [row.detail["action"] for row in rows]


def refused(ledger, message, **kwargs):
    """Pay with `kwargs`, expect a refusal matching `message`, nothing written but the audit row."""
    lines = Payment.objects.count()
    with translation.override("en"), pytest.raises(LedgerError, match=message):
        pay(ledger, **kwargs)
    assert Payment.objects.count() == lines
    assert refusals(kwargs.get("case", ledger.case))[-1] == "do_record_payment"


# Recording ----------------------------------------------------------------------------------------


def test_recording_a_payment_writes_the_line_a_timeline_event_and_an_audit_row(ledger):
    with translation.override("en"):
        payment = pay(ledger, 1_500_000, note="first instalment")
    payment.refresh_from_db()
    assert (payment.case, payment.item, payment.claim, payment.amount_vnd) == (
        ledger.case,
        ledger.hardship,
        ledger.claim,
        1_500_000,
    )
    assert (payment.paid_on, payment.payer_agency, payment.receipt_ref, payment.note) == (
        TODAY,
        ledger.payer,
        "PC-2025-001",
        "first instalment",
    )
    assert payment.recorded_by == ledger.cashier and payment.reverses is None
    event = CaseEvent.objects.filter(case=ledger.case).order_by("-id").first()
    assert event.sensitivity == SensitivityClass.SUPPORT
    assert event.actor == ledger.cashier
    assert "1.500.000 ₫" in event.reason and "PC-2025-001" in event.reason
    row = AuditEvent.objects.filter(case=ledger.case, object_type="payment").get()
    assert (row.action, row.classes, row.object_id) == (AuditEvent.Action.CREATE, ["support"], str(payment.pk))
    assert row.detail == {"item": "l53-k", "amount_vnd": 1_500_000}


def test_paid_sums_the_lines_of_a_case_and_of_one_item(ledger):
    pay(ledger, 1_000_000)
    pay(ledger, 500_000)
    pay(ledger, 200_000, item=ledger.essentials)
    assert paid(ledger.case) == 1_700_000
    assert paid(ledger.case, ledger.hardship) == 1_500_000
    assert paid(ledger.case, ledger.essentials) == 200_000
    assert remaining(ledger.claim) == 1_500_000


def test_nothing_paid_sums_to_zero_and_an_undecided_claim_has_no_remainder(ledger):
    assert paid(ledger.case) == 0
    assert remaining(a_claim(ledger, status=ClaimStatus.FILED)) is None


def test_a_whole_decimal_amount_is_taken_as_an_integer(ledger):
    payment = pay(ledger, Decimal("1500000"))
    payment.refresh_from_db()
    assert payment.amount_vnd == 1_500_000


def test_an_item_without_a_claim_form_is_paid_without_a_claim_when_entitled(ledger):
    payment = pay(ledger, 3 * 50_000, item=ledger.essentials, claim=None)
    assert payment.claim is None
    assert paid(ledger.case, ledger.essentials) == 150_000


# Refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-1_000, "positive"),
        (0, "positive"),
        (Decimal("1.5"), "whole VND"),
        (Decimal("1500000.5"), "whole VND"),
        (Decimal("NaN"), "whole VND"),
        (1.5, "whole VND"),
        (1_500_000.0, "whole VND"),
        (True, "whole VND"),
        ("1500000", "whole VND"),
        (None, "whole VND"),
    ],
    ids=[
        "negative",
        "zero",
        "decimal-fraction",
        "decimal-large-fraction",
        "nan",
        "float",
        "whole-float",
        "bool",
        "string",
        "none",
    ],
)
def test_amounts_that_are_not_whole_positive_vnd_are_refused(ledger, amount, message):
    refused(ledger, message, amount=amount)


def test_paying_more_than_decided_is_refused_naming_what_remains(ledger):
    pay(ledger, 2_000_000)
    refused(ledger, "1.000.000 ₫ remains", amount=1_500_000)
    assert paid(ledger.case) == 2_000_000


def test_payments_that_together_fit_pass_and_the_one_that_overflows_is_refused(ledger):
    pay(ledger, 1_000_000)
    pay(ledger, 2_000_000)
    assert remaining(ledger.claim) == 0
    refused(ledger, "0 ₫ remains", amount=1)


def test_a_reversed_payment_frees_its_amount_on_the_claim(ledger):
    payment = pay(ledger, 3_000_000)
    do_reverse_payment(payment, reason="wrong amount", actor=ledger.cashier)
    assert remaining(ledger.claim) == 3_000_000
    pay(ledger, 2_500_000)


def test_an_item_with_a_claim_form_needs_a_claim(ledger):
    refused(ledger, "only against an approved claim", claim=None)


@pytest.mark.parametrize("status", [ClaimStatus.FILED, ClaimStatus.REFUSED])
def test_a_claim_not_approved_is_refused(ledger, status):
    refused(ledger, "not been approved", claim=a_claim(ledger, status=status))


def test_a_claim_for_another_case_or_item_is_refused(ledger):
    other_case = a_case(ledger.police, ledger.owner)
    refused(ledger, "another case or another item", claim=a_claim(ledger, case=other_case))
    refused(ledger, "another case or another item", claim=a_claim(ledger, item=SupportItem.objects.get(code="l53-i")))


def test_a_claim_approved_without_an_amount_is_refused(ledger):
    claim = a_claim(ledger)
    Claim.objects.filter(pk=claim.pk).update(amount_decided_vnd=None)
    refused(ledger, "records no amount", claim=claim)


def test_an_item_the_person_is_not_entitled_to_is_refused(ledger):
    not_victim = a_case(ledger.police, ledger.owner, status=PersonStatus.NOT_VICTIM)
    refused(ledger, "not among what this person is entitled to", case=not_victim, item=ledger.essentials, claim=None)
    other_regime = SupportItem.objects.get(code="d09-meals")
    refused(ledger, "not among what this person is entitled to", item=other_regime, claim=None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"paid_on": TODAY + datetime.timedelta(days=1)}, "in the future"),
        ({"paid_on": None}, "date of the payment"),
        ({"receipt_ref": "  "}, "receipt reference"),
        ({"receipt_ref": "x" * 81}, "too long"),
        ({"note": "x" * 301}, "too long"),
    ],
    ids=["future-date", "no-date", "no-receipt", "long-receipt", "long-note"],
)
def test_missing_or_impossible_details_are_refused(ledger, changes, message):
    refused(ledger, message, **changes)


def test_an_inactive_payer_agency_is_refused(ledger):
    ledger.payer.is_active = False
    ledger.payer.save(update_fields=["is_active"])
    refused(ledger, "no longer active")


# Reversals ---------------------------------------------------------------------------------------


def test_reversing_a_payment_adds_a_negative_line_that_nets_it_to_zero(ledger):
    payment = pay(ledger, 1_200_000)
    with translation.override("en"):
        reversal = do_reverse_payment(payment, reason="paid to the wrong person", actor=ledger.owner)
    reversal.refresh_from_db()
    assert (reversal.amount_vnd, reversal.reverses, reversal.note) == (-1_200_000, payment, "paid to the wrong person")
    assert (reversal.case, reversal.item, reversal.claim, reversal.payer_agency) == (
        ledger.case,
        ledger.hardship,
        ledger.claim,
        ledger.payer,
    )
    assert reversal.recorded_by == ledger.owner
    assert paid(ledger.case) == 0
    payment.refresh_from_db()
    assert payment.amount_vnd == 1_200_000 and payment.reversed_by == reversal
    event = CaseEvent.objects.filter(case=ledger.case).order_by("-id").first()
    assert event.sensitivity == SensitivityClass.SUPPORT
    assert "reversed" in event.reason and "paid to the wrong person" in event.reason
    row = AuditEvent.objects.filter(case=ledger.case, object_type="payment").order_by("-id").first()
    assert (row.object_id, row.classes) == (str(reversal.pk), ["support"])
    assert row.detail["reverses"] == payment.pk and row.detail["amount_vnd"] == -1_200_000


def test_reversing_twice_is_refused(ledger):
    payment = pay(ledger)
    do_reverse_payment(payment, reason="duplicate receipt", actor=ledger.cashier)
    with translation.override("en"), pytest.raises(LedgerError, match="already been reversed"):
        do_reverse_payment(payment, reason="again", actor=ledger.cashier)
    assert Payment.objects.count() == 2
    assert refusals(ledger.case) == ["do_reverse_payment"]


def test_a_reversal_cannot_itself_be_reversed(ledger):
    reversal = do_reverse_payment(pay(ledger), reason="duplicate receipt", actor=ledger.cashier)
    with translation.override("en"), pytest.raises(LedgerError, match="itself a reversal"):
        do_reverse_payment(reversal, reason="undo", actor=ledger.cashier)
    assert Payment.objects.count() == 2


def test_a_reversal_needs_a_reason(ledger):
    payment = pay(ledger)
    with translation.override("en"), pytest.raises(LedgerError, match="reason"):
        do_reverse_payment(payment, reason="   ", actor=ledger.cashier)
    assert Payment.objects.count() == 1


# Totals ------------------------------------------------------------------------------------------


@pytest.fixture
def spread(ledger):
    """Payments in two provinces, by two agencies, over two months, one of them reversed."""
    hanoi_case = a_case(ledger.police, ledger.owner, province="HN")
    pay(ledger, 1_000_000, paid_on=datetime.date(2025, 8, 20))
    pay(ledger, 300_000, item=ledger.essentials, paid_on=datetime.date(2025, 9, 1))
    pay(ledger, 400_000, case=hanoi_case, item=ledger.essentials, payer=ledger.other_payer, paid_on=TODAY)
    mistake = pay(ledger, 700_000, case=hanoi_case, item=ledger.essentials, payer=ledger.other_payer, paid_on=TODAY)
    do_reverse_payment(mistake, reason="entered twice", actor=ledger.cashier)
    return hanoi_case


def amounts(rows) -> dict:
    return {row["key"]: row["amount_vnd"] for row in rows}


def test_totals_by_province_net_reversals_out(ledger, spread):
    with translation.override("en"):
        rows = totals(group_by="province")
    assert amounts(rows) == {"HN": 400_000, "LCA": 1_300_000}
    assert {row["label"] for row in rows} == {
        Province.objects.get(code="HN").name_en,
        Province.objects.get(code="LCA").name_en,
    }


def test_totals_by_agency(ledger, spread):
    rows = totals(group_by="agency")
    assert amounts(rows) == {"t-sp-hn": 400_000, "t-sp-lca": 1_300_000}
    assert [row["label"] for row in rows] == ["Cơ quan t-sp-hn", "Cơ quan t-sp-lca"]


def test_totals_by_month(ledger, spread):
    rows = totals(group_by="month")
    assert amounts(rows) == {datetime.date(2025, 8, 1): 1_000_000, datetime.date(2025, 9, 1): 700_000}
    assert all(row["label"] for row in rows)


def test_totals_by_item(ledger, spread):
    with translation.override("en"):
        rows = totals(group_by="item")
    assert amounts(rows) == {"l53-a": 700_000, "l53-k": 1_000_000}
    assert [row["label"] for row in rows] == ["Essential needs", ledger.hardship.name_en]


def test_totals_are_filtered_by_period_province_agency_and_item(ledger, spread):
    assert amounts(totals(group_by="item", start=datetime.date(2025, 9, 1))) == {"l53-a": 700_000}
    assert amounts(totals(group_by="item", end=datetime.date(2025, 8, 31))) == {"l53-k": 1_000_000}
    hanoi = Province.objects.get(code="HN")
    assert amounts(totals(group_by="agency", province=hanoi)) == {"t-sp-hn": 400_000}
    assert amounts(totals(group_by="province", agency=ledger.payer)) == {"LCA": 1_300_000}
    assert amounts(totals(group_by="month", item=ledger.hardship)) == {datetime.date(2025, 8, 1): 1_000_000}


def test_totals_refuse_an_unknown_grouping(ledger):
    with pytest.raises(ValueError):
        totals(group_by="caseworker")


# Formatting --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [(1_500_000, "1.500.000 ₫"), (0, "0 ₫"), (999, "999 ₫"), (-1_500_000, "-1.500.000 ₫"), (10**9, "1.000.000.000 ₫")],
)
def test_vnd_writes_dots_between_thousands_and_the_dong_sign_after(amount, text):
    assert vnd(amount) == text


# The database ------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_edit_or_delete_a_payment(ledger, change):
    payment = pay(ledger, 1_000_000)
    lines = Payment.objects.filter(pk=payment.pk)
    # PL/pgSQL's RAISE EXCEPTION (SQLSTATE P0001) reaches Django through psycopg 3 as
    # ProgrammingError (a DatabaseError), not InternalError.
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        if change == "update":
            lines.update(amount_vnd=1)
        else:
            lines.delete()
    payment.refresh_from_db()
    assert payment.amount_vnd == 1_000_000


@pytest.mark.postgres
def test_saving_a_posted_payment_again_is_refused_by_the_database(ledger):
    """The model refuses first; a save that bypasses it (a raw UPDATE of the same row, as
    `save_base` would issue) is refused by the trigger."""
    payment = pay(ledger, 1_000_000)
    payment.amount_vnd = 2
    with pytest.raises(ValueError, match="reversing entry"):
        payment.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        payment.save_base(force_update=True)
    payment.refresh_from_db()
    assert payment.amount_vnd == 1_000_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_exceed_the_decided_amount(ledger):
    """Eight cashiers pay 1,000,000 at once against a claim decided at 3,000,000: the claim's
    lock lets exactly three through."""
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt():
        try:
            start.wait()
            pay(ledger, 1_000_000)
            outcomes.append("paid")
        except LedgerError:
            outcomes.append("refused")
        except BaseException as error:  # noqa: BLE001 - reported below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid"] * 3 + ["refused"] * 5
    assert paid(ledger.case) == 3_000_000
