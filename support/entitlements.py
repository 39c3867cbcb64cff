"""What a person is owed (docs/domain.md §5): one function evaluates the eligibility rules for a case
and says why, in words; rates are looked up by date and province; capped items count the days
used. All of it is data (support/models.py) — no amount or rule lives in code. Nothing here
changes a row; the workflows are in support/actions.py."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework.models import Case, LegalRegime, PersonStatus, Province
from shelters.support import essential_need_days
from support.models import (
    AmountKind,
    CapExtension,
    Claim,
    ClaimStatus,
    EligibilityRule,
    ItemRate,
    Nationality,
    Payment,
    StandardLevel,
    SupportItem,
    Whereabouts,
)

VIETNAM = "VN"


@dataclass(frozen=True)
class Profile:
    """The facts of a case the eligibility rules read."""

    regime: str
    status: str
    nationality: str  # a Nationality value, or "" when not recorded
    whereabouts: str  # a Whereabouts value
    poor_household: bool | None


@dataclass(frozen=True)
class Entitlement:
    item: SupportItem
    rule: EligibilityRule
    reason: str
    case_by_case: bool


def regime_of(case: Case, today: datetime.date | None = None) -> str:
    """The case's regime; before identification, the regime of an identification made today
    (Law 53 art. 63: the identification date decides)."""
    from casework.actions import legal_regime_for

    return case.legal_regime or legal_regime_for(today or timezone.localdate())


def _nationality_of(stateless: bool, alpha2: str | None) -> str:
    if stateless:
        return Nationality.VIETNAMESE
    if alpha2 is None:
        return ""
    return Nationality.VIETNAMESE if alpha2 == VIETNAM else Nationality.FOREIGN


def adult_companion(case: Case) -> bool:
    """Registered as an under-18 accompanying a victim, but known to have been 18 or older at
    reception. Art. 37(2) is for under-18s, so such a companion is owed nothing under it
    (decision 210); an unknown age keeps the child's entitlements — a child is not asked to
    prove her age first."""
    return (
        case.person_status == PersonStatus.ACCOMPANYING_CHILD
        and case.age_at_reception is not None
        and not case.is_child
    )


def _facts_of_case(case: Case) -> tuple[str, str, str]:
    """Status, whereabouts and nationality that the rules read. A child accompanying someone
    is owed according to that person (docs/domain.md §5): a–h with a Vietnamese or stateless
    victim, what a person in identification is owed where that person is, and the foreign
    row's case-by-case items with a foreign victim."""
    person = case.person
    status = case.person_status
    whereabouts = Whereabouts.ABROAD if case.abroad else Whereabouts.IN_VIETNAM
    nationality = _nationality_of(
        person.stateless_resident, person.nationality.alpha2 if person.nationality_id else None
    )
    if adult_companion(case):
        return "", whereabouts, nationality
    if status == PersonStatus.ACCOMPANYING_CHILD and case.accompanies_id:
        adult = (
            Case.objects.filter(pk=case.accompanies_id)
            .values("person_status", "abroad", "person__stateless_resident", "person__nationality__alpha2")
            .first()
        )
        if adult:
            nationality = _nationality_of(adult["person__stateless_resident"], adult["person__nationality__alpha2"])
            if adult["person_status"] == PersonStatus.NOT_VICTIM:
                # Art. 37(2) is for under-18s accompanying a victim: none once the adult is found not to be one.
                status = PersonStatus.NOT_VICTIM
            elif adult["person_status"] == PersonStatus.IN_IDENTIFICATION:
                status = PersonStatus.IN_IDENTIFICATION
                whereabouts = Whereabouts.ABROAD if adult["abroad"] else Whereabouts.IN_VIETNAM
            elif nationality == Nationality.FOREIGN:
                status = PersonStatus.VICTIM  # the foreign row applies to her and her children alike
    return status, whereabouts, nationality


def profile(case: Case, today: datetime.date | None = None) -> Profile:
    status, whereabouts, nationality = _facts_of_case(case)
    return Profile(
        regime=regime_of(case, today),
        status=status,
        nationality=nationality,
        whereabouts=whereabouts,
        poor_household=case.person.poor_household,
    )


def _matches(rule: EligibilityRule, facts: Profile) -> bool:
    return (
        facts.status in rule.person_statuses
        and rule.nationality in (Nationality.ANY, facts.nationality)
        and rule.whereabouts in (Whereabouts.ANY, facts.whereabouts)
        and (not rule.item.poor_household_only or facts.poor_household is True)
    )


def _reason(rule: EligibilityRule, facts: Profile) -> str:
    who = rule.reason_en if (get_language() or "vi").startswith("en") and rule.reason_en else rule.reason
    item = rule.item
    point = _("point %(point)s") % {"point": item.point} if item.point else item.label
    parts = [who, LegalRegime(facts.regime).label]
    if item.poor_household_only:
        parts.append(_("poor household"))
    return _("%(facts)s → %(point)s (%(basis)s)") % {
        "facts": "; ".join(str(part) for part in parts),
        "point": point,
        "basis": item.legal_basis,
    }


def entitlements(case: Case, today: datetime.date | None = None) -> list[Entitlement]:
    """The items the person is owed, each with the rule that gives it and the reason in words.
    A person who is not a victim, or whose nationality is not recorded where it matters, is
    owed nothing by a rule that needs it; nothing is guessed."""
    facts = profile(case, today)
    rules = EligibilityRule.objects.filter(item__regime=facts.regime, item__is_active=True).select_related("item")
    found: dict[int, Entitlement] = {}
    for rule in rules.order_by("item__sort_order", "id"):
        if rule.item_id in found or not _matches(rule, facts):
            continue
        found[rule.item_id] = Entitlement(rule.item, rule, _reason(rule, facts), rule.case_by_case)
    return list(found.values())


# Rates ------------------------------------------------------------------------------------


def _effective(rows, province: Province | None, on: datetime.date):
    """The row in force on `on`: the province's own if it has one, else the national one."""
    rows = rows.filter(effective_from__lte=on).order_by("-effective_from")
    if province is not None:
        own = rows.filter(province=province).first()
        if own is not None:
            return own
    return rows.filter(province__isnull=True).first()


def standard_level(province: Province | None, on: datetime.date) -> int | None:
    """The standard social assistance level (VND a month) in force in the province on a day."""
    row = _effective(StandardLevel.objects.all(), province, on)
    return row.amount_vnd if row else None


def rate(item: SupportItem, province: Province | None, on: datetime.date) -> int | None:
    """What the item pays on a day in a province, in whole VND (per day for per-day items);
    None when no rate is set — the plan then says "rate not set"."""
    if item.amount_kind == AmountKind.IN_KIND:
        return None
    row = _effective(ItemRate.objects.filter(item=item), province, on)
    if row is None:
        return None
    if row.coefficient is not None:
        level = standard_level(province, on)
        if level is None:
            return None
        return int((Decimal(level) * row.coefficient).to_integral_value())
    return row.amount_vnd


# Days of capped items -------------------------------------------------------------------------

# Where days of support come from: functions taking a case and today and returning (first day,
# last day) ranges. Shelters keep the stays and essential-needs records.
DAY_SOURCES = (essential_need_days,)


def days_used(case: Case, today: datetime.date | None = None) -> int:
    """Distinct days of support in the day sources up to today (a day in a stay and in an
    essential-needs record is one day)."""
    today = today or timezone.localdate()
    days: set[datetime.date] = set()
    for source in DAY_SOURCES:
        for first, last in source(case, today):
            last = min(last, today)
            days.update(first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    return len(days)


def days_allowed(case: Case, item: SupportItem) -> int | None:
    """The item's cap plus the extensions decided for this case; None when uncapped."""
    if item.cap_days is None:
        return None
    extra = CapExtension.objects.filter(case=case, item=item).values_list("extra_days", flat=True)
    return item.cap_days + (sum(extra) if item.extendable else 0)


# The support plan ---------------------------------------------------------------------------


@dataclass
class PlanRow:
    """One line of a case's support plan: what is owed, why, what it pays, and where it stands."""

    entitlement: Entitlement
    rate_vnd: int | None = None
    days_used: int | None = None
    days_allowed: int | None = None
    claims: list = None
    paid_vnd: int = 0
    decided_vnd: int = 0

    @property
    def item(self) -> SupportItem:
        return self.entitlement.item

    @property
    def over_cap(self) -> bool:
        return self.days_allowed is not None and (self.days_used or 0) > self.days_allowed

    @property
    def remaining_vnd(self) -> int | None:
        return self.decided_vnd - self.paid_vnd if self.decided_vnd else None


def _rates(items: list[SupportItem], province: Province | None, on: datetime.date) -> dict[int, int | None]:
    """`rate` for many items in two queries (rates and standard levels)."""
    rows = ItemRate.objects.filter(item__in=items, effective_from__lte=on).order_by("-effective_from")
    national: dict[int, ItemRate] = {}
    own: dict[int, ItemRate] = {}
    for row in rows:
        if row.province_id is None:
            national.setdefault(row.item_id, row)
        elif province is not None and row.province_id == province.pk:
            own.setdefault(row.item_id, row)
    level = None
    result: dict[int, int | None] = {}
    for item in items:
        row = own.get(item.pk) or national.get(item.pk)
        if item.amount_kind == AmountKind.IN_KIND or row is None:
            result[item.pk] = None
        elif row.coefficient is not None:
            level = level if level is not None else standard_level(province, on)
            result[item.pk] = int((Decimal(level) * row.coefficient).to_integral_value()) if level else None
        else:
            result[item.pk] = row.amount_vnd
    return result


def plan(case: Case, today: datetime.date | None = None) -> list[PlanRow]:
    """The support plan in a fixed number of queries, whatever the number of items."""
    today = today or timezone.localdate()
    found = entitlements(case, today)
    items = [entitlement.item for entitlement in found]
    rates = _rates(items, case.reception_province, today)
    claims: dict[int, list] = {}
    for claim in Claim.objects.filter(case=case).order_by("-filed_on", "-id"):
        claims.setdefault(claim.item_id, []).append(claim)
    paid = dict(
        Payment.objects.filter(case=case).values("item").annotate(total=Sum("amount_vnd")).values_list("item", "total")
    )
    extensions: dict[int, int] = {}
    for item_id, extra in CapExtension.objects.filter(case=case).values_list("item", "extra_days"):
        extensions[item_id] = extensions.get(item_id, 0) + extra
    used = days_used(case, today) if any(item.counts_shelter_days for item in items) else None
    rows = []
    for entitlement in found:
        item = entitlement.item
        item_claims = claims.get(item.pk, [])
        rows.append(
            PlanRow(
                entitlement=entitlement,
                rate_vnd=rates.get(item.pk),
                days_used=used if item.counts_shelter_days else None,
                days_allowed=(item.cap_days + (extensions.get(item.pk, 0) if item.extendable else 0))
                if item.cap_days
                else None,
                claims=item_claims,
                paid_vnd=paid.get(item.pk) or 0,
                decided_vnd=sum(
                    claim.amount_decided_vnd or 0 for claim in item_claims if claim.status == ClaimStatus.APPROVED
                ),
            )
        )
    return rows
