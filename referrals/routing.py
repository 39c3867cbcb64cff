"""Applying the routing rules (docs/responsibility.md) to one case.

`route_case` locks the case, walks the active rules in order and, for each that applies and
has not yet had its effect, picks the target and sends the referral. The effect and its
`RoutingDecision` row (unique per case and rule) commit together, so running it twice, or
concurrently, sends each referral once (QUALITY R2)."""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Agency, Case, CaseStatus, Sex
from casework.models import SensitivityClass as Classes
from casework.responsibility import do_create_task
from referrals import notify
from referrals.actions import ReferralError, consented_classes, do_send_referral
from referrals.models import Referral, ReferralStatus, RoutingDecision, RoutingRule
from shelters.models import Facility

log = logging.getLogger(__name__)

SYSTEM_USERNAME = "he-thong-dieu-phoi"
Outcome = RoutingDecision.Outcome
# Referrals that still stand for their purpose (anything but declined or cancelled).
STANDING = {
    ReferralStatus.SENT,
    ReferralStatus.RECEIVED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.HANDED_OVER,
    ReferralStatus.COMPLETED,
}
TAKEN_UP = {ReferralStatus.ACCEPTED, ReferralStatus.HANDED_OVER, ReferralStatus.COMPLETED}
COMMUNE_TARGETS = {RoutingRule.Target.RECEPTION_COMMUNE, RoutingRule.Target.HOME_COMMUNE}
COMMUNE_KIND = "commune"
VIETNAM = "VN"


def routing_user():
    """The account routed referrals are sent as: inactive, no password, never signs in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"full_name": "Hệ thống điều phối tự động", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def route_case(case_id: int) -> list[Referral]:
    """Apply every routing rule to the case; return the referrals sent by this run."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("person__home_province", "owning_agency__kind", "owning_agency__province")
            .select_related("reception_province", "person__nationality", "person__home_commune", "reception_commune")
            .filter(pk=case_id)
            .first()
        )
        # A historic record (decision 120) is the past: nobody is to be sent anything for it.
        if case is None or case.status == CaseStatus.CLOSED or case.historic:
            return []
        decisions = {decision.rule_id: decision for decision in case.routing_decisions.all()}
        sent = []
        rules = RoutingRule.objects.filter(is_active=True).select_related("purpose", "after_purpose", "target_kind")
        for rule in rules.prefetch_related("sender_kinds", "purpose__receiver_kinds"):
            decision = decisions.get(rule.pk)
            if decision is not None and decision.outcome in RoutingDecision.FINAL:
                continue
            result = apply_rule(rule, case)
            if result is None:
                continue
            outcome, sender, referral = result
            now = timezone.now()
            if decision is None:
                RoutingDecision.objects.create(
                    case=case, rule=rule, outcome=outcome, sender=sender, referral=referral, decided_at=now
                )
            else:
                decision.outcome, decision.sender, decision.referral = outcome, sender, referral
                decision.decided_at, decision.attempts = now, decision.attempts + 1
                decision.save(update_fields=["outcome", "sender", "referral", "decided_at", "attempts"])
            if referral is not None:
                sent.append(referral)
    return sent


def apply_rule(rule: RoutingRule, case: Case) -> tuple[str, Agency, Referral | None] | None:
    """What the rule does for the case now: None when it does not apply, else the outcome,
    the sending agency and the referral sent (if any)."""
    if not (rule.applies_to_status(case.status) and rule.applies_to_notice(case.came_to_notice)):
        return None
    if (rule.age == RoutingRule.Age.CHILDREN and not case.is_child) or (
        rule.age == RoutingRule.Age.ADULTS and case.is_child
    ):
        return None
    if not rule.applies_to_nationality(is_foreign(case)):
        return None
    sender = rule_sender(rule, case)
    if sender is None:
        return None
    sender_kinds = {kind.pk for kind in rule.sender_kinds.all()}
    if sender_kinds and sender.kind_id not in sender_kinds:
        return None
    if rule.target == RoutingRule.Target.TASK:
        task = do_create_task(
            case, kind=rule.task_kind, hours=rule.task_hours, legal_basis=rule.legal_basis, actor=None
        )
        if task is not None:
            notify.notify_task(task)
        return Outcome.TASK_CREATED, sender, None
    if already_doing_the_work(rule, case):
        return None
    if case.referrals.filter(standing_for(rule)).exists():
        return Outcome.ALREADY_REFERRED, sender, None
    candidates = target_candidates(rule, case, sender)
    if not candidates:
        return Outcome.NO_TARGET, sender, None
    if rule.purpose.consent_required:
        candidates = [agency for agency in candidates if Classes.CORE in consented_classes(case, agency)]
        if not candidates:
            return Outcome.WAITING_CONSENT, sender, None
    try:
        referral = do_send_referral.__wrapped__(
            case,
            purpose=rule.purpose,
            to_agency=candidates[0],
            from_agency=sender,
            note=_("Sent by routing rule: %(rule)s (%(basis)s)") % {"rule": rule.name, "basis": rule.legal_basis},
            actor=routing_user(),
        )
    except ReferralError as error:
        log.warning("routing rule %s on case %s refused: %s", rule.code, case.pk, error)
        return Outcome.NO_TARGET, sender, None
    Referral.objects.filter(pk=referral.pk).update(routing_rule=rule)
    referral.routing_rule = rule
    return Outcome.REFERRED, sender, referral


def is_foreign(case: Case) -> bool | None:
    """None when the nationality is not recorded (a stateless resident counts as Vietnamese,
    as the support rules have it, Law 53 art. 37)."""
    person = case.person
    if person.stateless_resident:
        return False
    if person.nationality_id is None:
        return None
    return person.nationality.alpha2 != VIETNAM


def _target_commune(rule: RoutingRule, case: Case) -> Agency | None:
    if rule.target == RoutingRule.Target.RECEPTION_COMMUNE:
        return case.reception_commune
    return case.person.home_commune


def already_doing_the_work(rule: RoutingRule, case: Case) -> bool:
    """The agency the rule would pick already leads the case and does the work itself."""
    owner = case.owning_agency
    if rule.target in COMMUNE_TARGETS:
        return _target_commune(rule, case) == owner
    if rule.target != RoutingRule.Target.AGENCY or owner.kind_id != rule.target_kind_id:
        return False
    # The same kind in the target province (a national department of that kind is not the
    # provincial agency the law sends her to).
    return owner.province_id == target_province(rule, case, owner).pk


def standing_for(rule: RoutingRule) -> Q:
    """Referrals that already do the rule's work: for its purpose, to the kind of agency it
    targets (a commune and the Women's Union can both hold a reintegration referral)."""
    condition = Q(purpose=rule.purpose, status__in=STANDING)
    if rule.target in COMMUNE_TARGETS:
        return condition & Q(to_agency__kind__code=COMMUNE_KIND)
    if rule.target == RoutingRule.Target.AGENCY:
        return condition & Q(to_agency__kind=rule.target_kind_id, to_agency__facility__isnull=True)
    return condition


def rule_sender(rule: RoutingRule, case: Case) -> Agency | None:
    if rule.sender == RoutingRule.Sender.OWNER:
        return case.owning_agency
    taken_up = (
        case.referrals.filter(purpose=rule.after_purpose, status__in=TAKEN_UP)
        .select_related("to_agency__province")
        .order_by("-status_changed_at")
        .first()
    )
    return taken_up.to_agency if taken_up else None


def target_province(rule: RoutingRule, case: Case, sender: Agency):
    if rule.target_province == RoutingRule.Province.SENDER:
        return sender.province or case.reception_province
    if rule.target_province == RoutingRule.Province.HOME:
        return case.person.home_province or case.reception_province
    return case.reception_province


def target_candidates(rule: RoutingRule, case: Case, sender: Agency) -> list[Agency]:
    """Agencies the rule may send to, best first; only kinds the purpose may receive."""
    receivable = {kind.pk for kind in rule.purpose.receiver_kinds.all()}
    if rule.target in COMMUNE_TARGETS:
        commune = _target_commune(rule, case)
        usable = commune is not None and commune.is_active and commune.pk != sender.pk
        return [commune] if usable and commune.kind_id in receivable else []
    province = target_province(rule, case, sender)
    if rule.target == RoutingRule.Target.FACILITY:
        facilities = shelter_candidates(case, province, exclude=sender)
        return [facility.agency for facility in facilities if facility.agency.kind_id in receivable]
    if rule.target_kind_id not in receivable:
        return []
    # Shelters run as agencies of their own; an agency target means the agency itself.
    agencies = Agency.objects.filter(
        kind_id=rule.target_kind_id, province=province, is_active=True, facility__isnull=True
    ).exclude(pk=sender.pk)
    return list(agencies.order_by("-coordinates_province", "code"))


def shelter_candidates(case: Case, home_province, *, exclude: Agency | None = None) -> list[Facility]:
    """Facilities with a free bed that take this person (sex, age, her children), nearest to
    her home province first (ties broken by code, so the choice is stable)."""
    with_children = Case.objects.filter(accompanies=case).exists()
    facilities = (
        Facility.objects.taking(sex=case.person.sex or Sex.UNKNOWN, child=case.is_child, with_children=with_children)
        .with_free_beds()
        .filter(agency__is_active=True)
        .select_related("province", "agency")
    )
    if exclude is not None:
        facilities = facilities.exclude(agency=exclude)
    return sorted(facilities, key=lambda facility: (facility.distance_km(home_province), facility.code))
