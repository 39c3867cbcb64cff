"""A case's support: claims filed under its legal regime, their decisions and payments."""

import datetime

from casework.lib.dates import add_months
from devdata.scale.story_base import (
    CASEWORKER,
    CORE,
    DAY,
    SUPERVISOR,
    Case,
    local_at,
    local_date,
    weighted,
)
from devdata.scale.world import AgencyInfo
from support.workdays import is_working_day

CLAIM_ITEMS = {
    # regime: [(item code, who: adult|child|any, weight)]
    "law_2024": [("l53-i", "adult", 45), ("l53-k", "adult", 40), ("l53-h", "child", 15)],
    "law_2011": [("d09-vocational", "adult", 50), ("d09-hardship", "adult", 35), ("d09-education", "child", 15)],
}
AMOUNTS = {
    "l53-i": (2_000_000, 6_000_000),
    "l53-k": (3_000_000, 5_000_000),
    "d09-vocational": (1_500_000, 4_000_000),
    "d09-hardship": (3_000_000, 3_000_000),
}


def vnd(amount: int) -> str:
    """`casework.lib.text.vnd`."""
    return f"{amount:,} ₫".replace(",", ".")


class SupportStory:
    """The support claims of a case; mixed into `Stories`, whose state (rng, ids, rows, world) it uses."""

    def _claims(self, case: Case, kept: list[list], identified_at, regime: str) -> None:
        rng, today, ref = self.rng, self.today, self.ref
        reached = {step[0]: step[1] for step in kept}
        if "supporting" not in reached or rng.random() >= 0.25:
            return
        identified_on = local_date(identified_at)
        choices = [
            (code, weight)
            for code, who, weight in CLAIM_ITEMS[regime]
            if code in ref.items
            and (who == "child") == case.child
            and (case.poor or not ref.items[code].poor_household_only)
        ]
        if not choices:
            return
        picked = {weighted(rng, choices) for _ in range(1 if rng.random() < 0.7 else 2)}
        deciding = self.world.social[case.home]
        filer = self.actor(case)
        for code in sorted(picked):
            item = ref.items[code]
            filed_on = local_date(reached["supporting"]) + datetime.timedelta(days=rng.randint(5, 150))
            if item.claim_within_months and filed_on > add_months(identified_on, item.claim_within_months):
                continue
            if filed_on > today:
                continue
            self._claim(case, item, deciding, filer, filed_on)

    def _claim(self, case: Case, item, deciding: AgencyInfo, filer: int, filed_on: datetime.date) -> None:
        rng, now, labels, world = self.rng, self.now, self.labels, self.world
        claim_id = self.ids.next("claim")
        reference = f"{case.reference}/C{claim_id}"
        filed_at = min(local_at(filed_on, 9) + datetime.timedelta(minutes=rng.randint(0, 480)), now)
        due_on = self._working_days(filed_on, item.decision_working_days) if item.decision_working_days else None
        values = {"item": item.name, "agency": deciding.name}
        if due_on:
            text = labels.claim_filed_due % {**values, "day": due_on.strftime("%d/%m/%Y")}
        else:
            text = labels.claim_filed % values
        self.event(case, "support", filed_at, filer, world.users[filer][2], text, sensitivity="support")
        grant = None
        if deciding is not case.owner:
            grant = self.grant(
                case,
                group=deciding.groups[item.deciding_role],
                classes=(CORE, "support"),
                can_change=False,
                source="claim",
                ref=reference,
                by=filer,
                at=filed_at,
                agency=world.users[filer][2],
            )
        money = item.amount_kind != "in_kind"
        low, high = AMOUNTS.get(item.code, (1_000_000, 3_000_000))
        amount = round(rng.uniform(low, high), -5)
        decided_at = local_at(filed_on + datetime.timedelta(days=rng.randint(2, 12)), 10) + datetime.timedelta(
            minutes=rng.randint(0, 360)
        )
        status, decider, decision_reason, decided_amount, overdue = "filed", None, "", None, None
        if decided_at <= now:
            decider = deciding.pick(rng, item.deciding_role)
            approve = rng.random() < 0.82
            status = "approved" if approve else "refused"
            decision_reason = rng.choice(APPROVALS if approve else REFUSALS)
            decided_amount = int(amount) if approve and money else None
            if not approve and grant is not None:
                self.revoke(case, grant, by=decider, at=decided_at, agency=deciding.id)
            values = {"item": item.name, "reason": decision_reason}
            if not approve:
                line = labels.claim_refused % values
            elif decided_amount is not None:
                line = labels.claim_approved_amount % {**values, "amount": f"{decided_amount:,}".replace(",", ".")}
            else:
                line = labels.claim_approved % values
            self.event(case, "support", decided_at, decider, deciding.id, line, sensitivity="support")
        elif due_on is not None and due_on < self.today:
            overdue = local_at(due_on + DAY, 0) + datetime.timedelta(minutes=rng.randint(1, 60))
            line = labels.claim_overdue % {"item": item.name, "day": due_on.strftime("%d/%m/%Y")}
            self.event(case, "overdue", overdue, None, None, line, sensitivity="support")
        self.rows["claim"].append(
            (
                claim_id,
                self._uuid(),
                case.id,
                item.id,
                deciding.id,
                filed_on,
                filer,
                rng.choice(CLAIM_DOCUMENTS),
                int(amount) if money and rng.random() < 0.6 else None,
                due_on,
                status,
                decided_at if decider else None,
                decider,
                decision_reason,
                decided_amount,
                overdue,
                self.ref.provinces[case.province].pk,
            )
        )
        if decided_amount:
            payer = deciding if rng.random() < 0.7 else case.owner
            first = local_date(decided_at) + datetime.timedelta(days=rng.randint(2, 30))
            parts = [decided_amount] if rng.random() < 0.75 else [decided_amount // 200_000 * 100_000]
            if sum(parts) < decided_amount:
                parts.append(decided_amount - sum(parts))
            paid_on = first
            for part in parts:
                if paid_on > self.today:
                    break
                self.receipts += 1
                receipt = f"PC{self.receipts:06d}/{paid_on.year}"
                recorder = payer.pick(rng, CASEWORKER, SUPERVISOR)
                at = min(local_at(paid_on, 14), now)
                self.rows["payment"].append(
                    (
                        case.id,
                        item.id,
                        claim_id,
                        part,
                        paid_on,
                        payer.id,
                        receipt,
                        None,
                        "",
                        recorder,
                        at,
                        self.ref.provinces[case.province].pk,
                    )
                )
                text = labels.payment % {"amount": vnd(part), "item": item.name, "receipt": receipt}
                self.event(case, "support", at, recorder, payer.id, text, sensitivity="support")
                paid_on += datetime.timedelta(days=rng.randint(15, 60))

    def _working_days(self, start: datetime.date, days: int) -> datetime.date:
        """`support.workdays.add_working_days` with the calendar loaded once."""
        day, counted = start, 0
        while counted < days:
            day += DAY
            if is_working_day(day, self.ref.calendar):
                counted += 1
        return day


APPROVALS = ["Đủ điều kiện theo quy định", "Hồ sơ đầy đủ, đúng đối tượng"]
REFUSALS = ["Không đủ hồ sơ chứng minh", "Không đúng đối tượng", "Đã được hỗ trợ nội dung này"]
CLAIM_DOCUMENTS = [
    "Mẫu số 07; giấy xác nhận nạn nhân; căn cước công dân",
    "Đơn đề nghị; giấy xác nhận nạn nhân; giấy chứng nhận hộ nghèo",
    "Mẫu số 07; giấy xác nhận nạn nhân",
]
