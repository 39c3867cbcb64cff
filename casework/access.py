"""The only way views fetch protected casework objects, and the one place that decides who may
do what on a case.

Seeing: a case is visible through a guardian permission held by the group of the user's
*active* membership (their agency and role) or by the user directly (assignment). Missing
and not allowed to see are the same 404, with a `denied` audit row.

Doing: what a user may do on a case they can see is a named `Capability`, decided by `can()`
from three things only — the role of the active membership, the agency's relation to the case
(the lead agency, a receiver of an accepted referral for a purpose, a claim's decider, a former
holder) and the agency's kind. Views, templates and the support plan all ask `can()`; no rule
is restated elsewhere. Seeing a case without the capability gives a 403 and a `refused` row.
"""

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeAlias
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, CharField, Exists, F, OuterRef, Q, QuerySet, TextChoices, Value, When
from django.db.models import Case as SqlCase
from django.db.models.expressions import BaseExpression, Expression
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.lib.fixed_query import FixedQuery
from casework.models import (
    CHANGE_PERMISSION,
    CLASS_PERMISSIONS,
    AuditEvent,
    Case,
    CaseGrant,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Document,
    Incident,
    Membership,
    Person,
    Role,
    SensitivityClass,
    User,
)

Source = CaseGrant.Source
# Who asks: `request.user` in a view (an anonymous visitor too), a staff user in a task or a test.
# The active membership is not a field: ActiveMembershipMiddleware (or the caller) sets it on
# the instance, so it is read through `active_membership()`.
Actor: TypeAlias = User | AnonymousUser
# A case's public id as a URL converter gives it (UUID) or as a form or a test does (str).
PublicId: TypeAlias = UUID | str
# Referral purposes that carry the work named here (referrals/seed.py codes).
VERIFICATION_PURPOSE = "verification"


class Capability(TextChoices):
    """What a user may do on a case (docs/architecture.md, Flow A, Law 53 ch. IV)."""

    MOVE_STATUS = "move_status", _("move the case to its next status")
    CLOSE = "close", _("close the case")
    REOPEN = "reopen", _("reopen the case")
    ASSIGN = "assign", _("assign a caseworker")
    RECORD_IDENTIFICATION = "record_identification", _("record the identification decision")
    PROPOSE_IDENTIFICATION = "propose_identification", _("propose the identification decision")
    RECORD_VERIFICATION = "record_verification", _("record the result of initial verification")
    RECORD_CONSENT = "record_consent", _("record or withdraw consent")
    ADD_NOTE = "add_note", _("add a note")
    ADD_DOCUMENT = "add_document", _("upload a document")
    RECORD_INVESTIGATION = "record_investigation", _("record the incident and offenders")
    SEND_REFERRAL = "send_referral", _("send a referral or transfer the lead")
    RECORD_RETURN = "record_return", _("record the return to Vietnam")
    DO_TASK = "do_task", _("record a task as done")
    FILE_CLAIM = "file_claim", _("file a support claim")
    RECORD_PAYMENT = "record_payment", _("record a payment")
    EXTEND_CAP = "extend_cap", _("record a cap extension")
    SEE_WHO = "see_who", _("see who can see and who viewed the case")
    EDIT_FACTS = "edit_facts", _("correct the facts of the case")
    EDIT_PERSON = "edit_person", _("correct the person's details")


@dataclass(frozen=True)
class Standing:
    """A user's relation to one case, as their active membership holds it: what they may see
    (`"identity" in standing`) and, through `can`, what they may do."""

    role: str | None = None
    agency_id: int | None = None
    kind: str = ""
    may_identify: bool = False
    classes: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    # Purposes of accepted referrals the agency works on; of referrals still to decide.
    purposes: frozenset[str] = frozenset()
    pending: frozenset[str] = frozenset()
    # The purposes' classes include `support` (the agency provides support under it).
    purposes_support: bool = False
    # The case was merged into another (decision 194): nothing is done on it any more.
    merged: bool = False
    grants: tuple[CaseGrant, ...] = field(default=(), compare=False)

    def __contains__(self, cls: object) -> bool:
        return cls in self.classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.classes))

    def __and__(self, other: Iterable[str]) -> set[str]:
        """The classes held among `other` (a standing reads like the set of its classes)."""
        return set(self.classes) & set(other)

    __rand__ = __and__

    @property
    def is_lead(self) -> bool:
        return Source.OWN_AGENCY in self.sources

    @property
    def works_on(self) -> bool:
        """Leads the case or works on it under an accepted referral."""
        return self.is_lead or bool(self.purposes)

    def can(self, capability: str) -> bool:
        return can(self, capability)


NOBODY = Standing()


def can(standing: Standing, capability: str) -> bool:
    """The table of who may do what: role × relation to the case × agency kind. A receiver
    adds notes and documents and acts on its own referral; it never closes, moves or reassigns
    the lead's case. Supervisors read and decide (claims, referrals, assignments). A case merged
    into another is read-only: work goes on on the survivor (decision 194)."""
    if standing.merged:
        # Read-only, but its lead still sees who can see it and who read it.
        return capability == Capability.SEE_WHO and standing.role == Role.SUPERVISOR and standing.is_lead
    role = standing.role
    caseworker = role == Role.CASEWORKER
    lead = standing.is_lead
    match capability:
        case Capability.MOVE_STATUS | Capability.CLOSE | Capability.REOPEN:
            return caseworker and lead
        case Capability.RECORD_CONSENT | Capability.RECORD_RETURN | Capability.DO_TASK:
            return caseworker and lead
        case Capability.SEND_REFERRAL:
            return role in (Role.CASEWORKER, Role.SUPERVISOR) and lead
        case Capability.ASSIGN:
            return role in (Role.CASEWORKER, Role.SUPERVISOR) and lead
        case Capability.RECORD_IDENTIFICATION:
            return caseworker and standing.works_on and standing.may_identify
        case Capability.PROPOSE_IDENTIFICATION:
            return caseworker and standing.works_on and not standing.may_identify
        case Capability.RECORD_VERIFICATION:
            return caseworker and (lead or VERIFICATION_PURPOSE in standing.purposes)
        case Capability.ADD_NOTE | Capability.ADD_DOCUMENT:
            return role in (Role.CASEWORKER, Role.SHELTER_STAFF) and standing.works_on
        case Capability.RECORD_INVESTIGATION:
            return caseworker and standing.works_on and SensitivityClass.INVESTIGATION in standing
        case Capability.FILE_CLAIM:
            return caseworker and SensitivityClass.SUPPORT in standing and (lead or standing.purposes_support)
        case Capability.RECORD_PAYMENT:
            return (
                role in (Role.CASEWORKER, Role.SUPERVISOR)
                and SensitivityClass.SUPPORT in standing
                and (lead or standing.purposes_support or Source.CLAIM in standing.sources)
            )
        case Capability.EXTEND_CAP:
            return role in (Role.CASEWORKER, Role.SUPERVISOR) and lead and SensitivityClass.SUPPORT in standing
        case Capability.SEE_WHO:
            return role == Role.SUPERVISOR and lead
        case Capability.EDIT_FACTS:
            # The lead's caseworkers (an assignment counts only while acting as one of them).
            return caseworker and lead
        case Capability.EDIT_PERSON:
            return caseworker and lead and SensitivityClass.IDENTITY in standing
    return False


def capabilities(standing: Standing) -> frozenset[str]:
    """Every capability the standing gives, for a page that shows many forms at once."""
    return frozenset(value for value in Capability.values if can(standing, value))


def may_link_same_person(standing: Standing) -> bool:
    """Link the case with another record of the same person, or remove such a link (decision
    193): a caseworker or supervisor of the case's lead agency who reads the person's identity.
    A receiver does not: a link names each lead's record to the other."""
    return (
        not standing.merged
        and standing.role in (Role.CASEWORKER, Role.SUPERVISOR)
        and standing.is_lead
        and SensitivityClass.IDENTITY in standing
    )


def may_merge_cases(standing: Standing) -> bool:
    """Merge a linked case into this one (decision 194): a caseworker or supervisor of this
    case's lead agency who reads the person's identity. The other case must be led by the same
    agency (`do_merge_cases` checks it): another lead agrees by transferring its lead first."""
    return (
        not standing.merged
        and standing.role in (Role.CASEWORKER, Role.SUPERVISOR)
        and standing.is_lead
        and SensitivityClass.IDENTITY in standing
    )


def may_reverse_merge(standing: Standing) -> bool:
    """Undo a merge (decision 195): the agency administrator of the lead agency of either case
    (the survivor or the merged one); no platform superuser, who holds no case."""
    return standing.role == Role.AGENCY_ADMIN and standing.is_lead


def refuse_same_person(user: Actor, case: Case, what: str) -> NoReturn:
    """`refuse` for the same-person actions, which are not `Capability` values."""
    audit.record(AuditEvent.Action.REFUSED, actor=user, case=case, detail={"capability": what, "reason": "authority"})
    raise PermissionDenied(str(_("Your role in this case does not allow this.")))


def may_register_cases(user: Actor) -> bool:
    """Caseworkers and shelter staff register the people they receive; supervisors and agency
    administrators read and decide (docs/data-model.md)."""
    membership = active_membership(user)
    return membership is not None and membership.role in (Role.CASEWORKER, Role.SHELTER_STAFF)


def refuse_registration(user: Actor) -> NoReturn:
    audit.record(AuditEvent.Action.REFUSED, actor=user, detail={"capability": "register_case", "reason": "authority"})
    raise PermissionDenied(str(_("Supervisors and agency administrators do not register cases.")))


def deny(user: Actor, detail: dict[str, object], *, case: Case | None = None) -> NoReturn:
    """Refuse as "not found": write the denied audit row and raise 404."""
    audit.record(AuditEvent.Action.DENIED, actor=user, case=case, detail=detail)
    raise Http404


def refuse(user: Actor, case: Case, capability: str) -> NoReturn:
    """Refuse an action on a case the user can see: a `refused` audit row and a 403."""
    audit.record(
        AuditEvent.Action.REFUSED, actor=user, case=case, detail={"capability": str(capability), "reason": "authority"}
    )
    raise PermissionDenied(str(Capability(capability).label))


def active_membership(user: Actor) -> Membership | None:
    return getattr(user, "active_membership", None)


# Case permission ids by codename. The permission filter compares `permission_id` with a
# constant, not through a join on auth_permission: only then does PostgreSQL know how many
# cases a holder has (`group_id = g AND permission_id = p` has its own statistics). Through the
# join it guessed a few hundred for a supervisor holding thousands, and sorted them all instead
# of walking the newest-first index (issue 18: 236 ms -> 19 ms for a page at 200,000 cases).
# A flush or migration recreates the rows with new ids, so post_migrate empties this.
_PERMISSION_IDS: dict[str, int] = {}


def permission_id(codename: str) -> int:
    if codename not in _PERMISSION_IDS:
        _PERMISSION_IDS[codename] = Permission.objects.get(content_type__app_label="casework", codename=codename).pk
    return _PERMISSION_IDS[codename]


def forget_permission_ids(**kwargs: object) -> None:
    _PERMISSION_IDS.clear()


def _permission_q(user: Actor, codename: str, *, probe: bool = False) -> Q:
    """Whether the active membership's group, or (as a caseworker of the owning agency) the
    user, holds the permission: one EXISTS per holder kind over the direct-FK tables, no id
    lists in Python. With `probe`, one EXISTS over both (see `_probed`), for a page."""
    membership = active_membership(user)
    if membership is None or not user.is_authenticated:
        return Q(pk__in=[])
    if probe:
        return Q(_probed_holding(membership, permission_id(codename), "pk"))
    by_group, by_user = _holders(membership, permission_id(codename), "pk")
    if by_user is None:
        return Q(Exists(by_group))
    # An assignment belongs to the caseworker role in the agency that made it: it counts only
    # while the user acts as a caseworker of the owning agency.
    return Q(Exists(by_group)) | (Q(Exists(by_user)) & Q(owning_agency_id=membership.agency_id))


def _holders(
    membership: Membership, held: int, case_ref: str
) -> tuple[QuerySet[CaseGroupObjectPermission], QuerySet[CaseUserObjectPermission] | None]:
    """The permission rows `held` on the case at `case_ref` of the membership's group, and of
    the user where a caseworker (whose own rows count only on the agency's cases)."""
    by_group = CaseGroupObjectPermission.objects.filter(
        content_object_id=OuterRef(case_ref), group_id=membership.group_id, permission_id=held
    )
    if membership.role != Role.CASEWORKER:
        return by_group, None
    by_user = CaseUserObjectPermission.objects.filter(content_object_id=OuterRef(case_ref), permission_id=held)
    return by_group, by_user.filter(user_id=membership.user_id)


def _probed_holding(membership: Membership, held: int, case_ref: str) -> "ProbedHolding":
    """The holders' rows of `held` on the case at `case_ref` as one probed EXISTS (see
    `ProbedHolding`); the user's own rows only on a case of the membership's agency."""
    if membership.role != Role.CASEWORKER:
        return ProbedHolding(case_ref, membership.group_id, held)
    mine = {"user_id": membership.user_id, "agency_id": membership.agency_id}
    return ProbedHolding(case_ref, membership.group_id, held, **mine)


class ProbedHolding(Expression):
    """EXISTS over the UNION ALL of the holders' permission rows of `held` on the case at
    `case_ref`: the group's, and (with `user_id`) the user's own on a case of `agency_id`.

    PostgreSQL cannot hash a set operation, so it probes the permission indexes for each row it
    reads (about a microsecond). `EXISTS … OR EXISTS …` instead lets it hash every case the
    holder may see before the first row — 64,000 of them for one agency at 1 M cases, ~20 ms
    for a page of 25 rows (decision 309). Hashing wins only where most of the table is read (an
    export, a count), so the lists of a page ask for this form and the whole-set readers do not.

    Written as SQL around the compiled case column rather than built from two querysets: the
    statement is the one `Exists(by_group.union(by_user))` gave, but building, resolving and
    compiling those subqueries took about a tenth of a list page's time, on every page that
    shows a case or a name (decision 326)."""

    output_field = BooleanField()

    def __init__(
        self, case_ref: str, group_id: int, held: int, *, user_id: int | None = None, agency_id: int | None = None
    ):
        super().__init__(output_field=BooleanField())
        self.case = F(case_ref)
        # The owning agency is read from the outer row when it is the case itself, else
        # joined in the subquery.
        self.owner = F("owning_agency_id") if case_ref == "pk" and user_id is not None else None
        self.group_id, self.held, self.user_id, self.agency_id = group_id, held, user_id, agency_id

    def get_source_expressions(self) -> list[Any]:
        return [self.case] if self.owner is None else [self.case, self.owner]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.case, *rest = exprs
        self.owner = rest[0] if rest else None

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        # Only quoted table names and compiled columns are written into the text; every value
        # is a parameter.
        qn = connection.ops.quote_name
        case_sql, case_params = compiler.compile(self.case)
        group = qn(CaseGroupObjectPermission._meta.db_table)
        sql = f'SELECT 1 AS "a" FROM {group} "hg" WHERE ("hg"."content_object_id" = ({case_sql})'  # noqa: S608
        sql += ' AND "hg"."group_id" = %s AND "hg"."permission_id" = %s)'
        params: list[Any] = [*case_params, self.group_id, self.held]
        if self.user_id is None:
            return f"EXISTS({sql} LIMIT 1)", tuple(params)
        mine = f'SELECT 1 AS "a" FROM {qn(CaseUserObjectPermission._meta.db_table)} "hu"'  # noqa: S608
        if self.owner is None:  # the case is another table's: its owner is joined here
            mine += f' INNER JOIN {qn(Case._meta.db_table)} "hc" ON ("hu"."content_object_id" = "hc"."id")'
            owner_sql, owner_params = '"hc"."owning_agency_id"', []
        else:
            owner_sql, owner_params = compiler.compile(self.owner)
        mine += f' WHERE ("hu"."content_object_id" = ({case_sql}) AND "hu"."permission_id" = %s'
        mine += f' AND "hu"."user_id" = %s AND {owner_sql} = %s)'
        params += [*case_params, self.held, self.user_id, *owner_params, self.agency_id]
        if connection.features.supports_parentheses_in_compound:
            sql, mine = f"({sql})", f"({mine})"
        return f"EXISTS({sql} UNION ALL {mine} LIMIT 1)", tuple(params)


def holds_class(user: Actor, cls: SensitivityClass, case_ref: str = "pk") -> BaseExpression:
    """An annotation for a list: does the user hold `cls` on the case at `case_ref` of each row?
    Lets a list show a name only where identity is held, in the list's own query.

    Probed per row (`_probed`): a list shows a page, and an annotation is computed for the rows
    it returns; hashed, it read every case the holder may see before the first row (issue 18)."""
    membership = active_membership(user)
    if membership is None or not user.is_authenticated:
        return Exists(Case.objects.filter(pk=OuterRef(case_ref), pk__in=[]))
    return _probed_holding(membership, permission_id(CLASS_PERMISSIONS[cls]), case_ref)


def with_person_name(rows: QuerySet[Any], user: Actor, case_ref: str = "case_id") -> QuerySet[Any]:
    """Rows about cases (cases themselves with `case_ref="pk"`, referrals, stays, placements,
    visits, tasks, claims), each with `person_name`: the person's full name where the user
    holds `identity` on the row's case, NULL elsewhere — so a name the user may not see never
    leaves the database, and the list loads no person row. One EXISTS per row: a separate
    `shows_identity` annotation that the name referred to would be written into the SQL twice
    (decision 318); `casework.lib.person_name.ShowsIdentity` reads the NULL instead."""
    held = holds_class(user, SensitivityClass.IDENTITY, case_ref)
    name = F("person__full_name" if case_ref == "pk" else case_ref.removesuffix("_id") + "__person__full_name")
    return rows.annotate(person_name=SqlCase(When(held, then=name), default=Value(None, CharField())))


def visible_cases(
    user: Actor, cls: SensitivityClass = SensitivityClass.CORE, *, probe: bool = False, from_holdings: bool = False
) -> QuerySet[Case]:
    """The cases the user may see, in one statement. For a page read newest first with a
    LIMIT (the case list), `probe` (see `_probed`) or `from_holdings` (see `_holdings`), as
    `page_form` says."""
    if not user.is_authenticated:
        return Case.objects.none()
    if from_holdings:
        return Case.objects.filter(_holdings_q(user, CLASS_PERMISSIONS[cls]))
    return Case.objects.filter(_permission_q(user, CLASS_PERMISSIONS[cls], probe=probe))


def _holdings_q(user: Actor, codename: str) -> Q:
    """The cases among the ids of the holders' rows (`_holdings`)."""
    membership = active_membership(user)
    if membership is None:
        return Q(pk__in=[])
    return Q(pk__in=_holdings(membership, permission_id(codename)))


def _holdings(membership: Membership, held: int) -> QuerySet[Any]:
    """The ids of the cases on which the membership's holders have rows of `held`: the group's,
    and the user's own on the agency's cases where a caseworker. As `id IN (…)`, PostgreSQL
    starts from these rows and fetches each case: the right plan when they are few, the wrong
    one for many (see FEW_HOLDINGS)."""
    by_group = CaseGroupObjectPermission.objects.filter(group_id=membership.group_id, permission_id=held)
    ids = by_group.values("content_object_id")
    if membership.role != Role.CASEWORKER:
        return ids
    by_user = CaseUserObjectPermission.objects.filter(
        user_id=membership.user_id, permission_id=held, content_object__owning_agency_id=membership.agency_id
    )
    return ids.union(by_user.values("content_object_id"), all=True)


# Below this many cases held, a page starts from the holdings rather than walking the newest
# cases (decision 315). At 1 M cases a walk passes ~1.7 µs a case and finds a page within
# 26 × 1,000,000 / held cases on average; starting from the holdings costs ~9 µs a case held:
# even at about 2,000.
FEW_HOLDINGS = 2000


# The process's answers of `page_form`, by membership: (until, answer) on the monotonic clock.
_page_forms: dict[int, tuple[float, dict[str, bool]]] = {}
PAGE_FORMS_KEPT = 10_000


def page_form(user: Actor) -> dict[str, bool]:
    """How a newest-first page of the user's cases filters them (`visible_cases`'s keywords):
    probed on the walk of the newest cases, or from the holdings when the user holds fewer than
    FEW_HOLDINGS cases — counted up to that many index entries only. A walk for a user holding
    a handful of cases passed every case of the country to find no full page (1.5 s at 1 M).

    Both forms give the same rows, so the answer is kept by the process for
    CAUNOI_PAGE_FORM_SECONDS: a count on every list page was a query of its own (decision 336).
    A membership crossing FEW_HOLDINGS meanwhile gets the slower plan for that long."""
    membership = active_membership(user)
    if membership is None or not user.is_authenticated:
        return {"probe": True}
    now, seconds = time.monotonic(), settings.CAUNOI_PAGE_FORM_SECONDS
    kept = _page_forms.get(membership.pk)
    if kept is not None and kept[0] > now:
        return dict(kept[1])
    held = _holdings(membership, permission_id(CLASS_PERMISSIONS[SensitivityClass.CORE]))
    answer = {"from_holdings": True} if held[:FEW_HOLDINGS].count() < FEW_HOLDINGS else {"probe": True}
    if seconds > 0:
        if len(_page_forms) >= PAGE_FORMS_KEPT:
            _page_forms.clear()
        _page_forms[membership.pk] = (now + seconds, answer)
    return dict(answer)


def changeable_cases(user: Actor) -> QuerySet[Case]:
    """Cases the user works on (the lead's caseworkers and shelter staff, an assignment, an
    accepted referral), in one statement — what `can` then narrows per action."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_permission_q(user, CHANGE_PERMISSION))


def _active_grants(case_id: int, holder: Q) -> QuerySet[CaseGrant]:
    return CaseGrant.objects.filter(holder, case_id=case_id, revoked_at__isnull=True)


# The two forms of `standing`'s query, compiled once per process (decision 337): the grants
# of the membership's group, and of the group or the user (the lead's caseworkers).
_grants_of_group = FixedQuery(lambda case_id, group_id: _active_grants(case_id, Q(group_id=group_id)), int, int)
_grants_of_group_or_user = FixedQuery(
    lambda case_id, group_id, user_id: _active_grants(case_id, Q(group_id=group_id) | Q(user_id=user_id)),
    int,
    int,
    int,
)


def _holders_grants(user: Actor, membership: Membership, case: Case) -> tuple[CaseGrant, ...]:
    """The case's active grants held by the membership's group, and those held by the user
    while acting as a caseworker of the lead (the assignment); each knows its case, as
    `case.grants` would have set it."""
    if membership.agency_id == case.owning_agency_id and membership.role == Role.CASEWORKER:
        return tuple(_grants_of_group_or_user(case.pk, membership.group_id, user.pk, known={"case": case}))
    return tuple(_grants_of_group(case.pk, membership.group_id, known={"case": case}))


def standing(user: Actor, case: Case) -> Standing:
    """The user's standing on the case, from the active grants of the active membership (and
    the assignment, while acting as a caseworker of the lead), in one query."""
    membership = active_membership(user)
    if membership is None or not user.is_authenticated:
        return NOBODY
    grants = _holders_grants(user, membership, case)
    if not grants:
        return NOBODY
    classes: set[str] = set()
    for grant in grants:
        classes |= set(grant.classes)
    referrals = [grant for grant in grants if grant.source == Source.REFERRAL and grant.purpose]
    kind = membership.agency.kind
    return Standing(
        role=membership.role,
        agency_id=membership.agency_id,
        kind=kind.code,
        may_identify=kind.may_identify,
        classes=frozenset(classes),
        sources=frozenset(grant.source for grant in grants),
        purposes=frozenset(grant.purpose for grant in referrals if grant.can_change),
        pending=frozenset(grant.purpose for grant in referrals if not grant.can_change),
        purposes_support=any(grant.can_change and SensitivityClass.SUPPORT in grant.classes for grant in referrals),
        merged=case.merged_into_id is not None,
        grants=grants,
    )


def case_classes(user: Actor, case: Case) -> set[str]:
    """The sensitivity classes the user holds on one case, in one query."""
    return set(standing(user, case).classes)


# What access_case joins: what the case page's summary and the actions read. The person's own
# lookups come in a second query where they are shown (`with_person_details`): the one query
# of 12 joins it replaces took ~11 ms to plan at 200,000 cases (decision 275), these two ~2.
CASE_RELATED = ("person", "owning_agency", "assigned_to", "reception_province", "destination_country", "incident")
PERSON_RELATED = ("ethnicity", "nationality", "home_province", "home_former_province")


_person_with_details = FixedQuery(lambda pk: Person.objects.select_related(*PERSON_RELATED).filter(pk=pk)[:1], int)


def with_person_details(case: Case) -> Case:
    """Load the person's lookups (ethnicity, nationality, home) in one query, for the pages
    that show the person section."""
    case.person = _person_with_details(case.person_id)[0]
    return case


def _case_query(public_id: PublicId) -> QuerySet[Case]:
    return Case.objects.select_related(*CASE_RELATED).filter(public_id=public_id).order_by("pk")[:1]


# Compiled once per process: every case page and action starts with it (decision 337).
_case_by_public_id = FixedQuery(_case_query, UUID)


def access_case(user: Actor, public_id: PublicId, *, need: str = SensitivityClass.CORE) -> tuple[Case, Standing]:
    """The case and the user's standing on it. `need` is a sensitivity class (not held: 404,
    as if missing) or a Capability (the case is visible but the capability is not: 403)."""
    found = _case_by_public_id(public_id)
    case = found[0] if found else None
    held = standing(user, case) if case is not None else NOBODY
    if case is None or SensitivityClass.CORE not in held:
        deny(user, {"need": str(need), "public_id": str(public_id)}, case=case)
    if need in Capability.values:
        if held.merged and not held.can(need):
            audit.record(
                AuditEvent.Action.REFUSED,
                actor=user,
                case=case,
                detail={"capability": str(need), "reason": "merged"},
            )
            raise PermissionDenied(
                str(_("This case was merged into another one; work on the case it was merged into."))
            )
        if not held.can(need):
            refuse(user, case, need)
    elif need not in held:
        deny(user, {"need": need, "public_id": str(public_id)}, case=case)
    return case, held


def access_document(user: Actor, case_public_id: PublicId, document_public_id: PublicId) -> tuple[Document, Case]:
    case, held = access_case(user, case_public_id)
    document = case.documents.filter(public_id=document_public_id).first()
    if document is None or document.sensitivity not in held:
        deny(user, {"document": str(document_public_id)}, case=case)
    return document, case


def incidents_known_to(user: Actor) -> QuerySet[Incident]:
    """Incidents the user may open and link a case to: those of cases whose investigation the
    user holds, and those the active agency recorded (for its caseworkers and supervisors, who
    hold the investigation of their own cases)."""
    membership = active_membership(user)
    if membership is None or not user.is_authenticated:
        return Incident.objects.none()
    through_cases = Q(Exists(visible_cases(user, SensitivityClass.INVESTIGATION).filter(incident_id=OuterRef("pk"))))
    if membership.role in (Role.CASEWORKER, Role.SUPERVISOR):
        through_cases |= Q(agency_id=membership.agency_id)
    return Incident.objects.filter(through_cases)


def access_incident(user: Actor, public_id: PublicId) -> Incident:
    """An incident the user may see (404 and a `denied` row otherwise)."""
    incident = incidents_known_to(user).filter(public_id=public_id).select_related("agency").first()
    if incident is None:
        deny(user, {"incident": str(public_id)})
    return incident


def why_visible(user: Actor, case: Case, held: Standing | None = None) -> list[CaseGrant]:
    """The active grants through which this user sees the case (the "why" line), one per source."""
    grants_held = held.grants if held is not None else standing(user, case).grants
    grants: dict[tuple[str, str], CaseGrant] = {}
    for grant in sorted(grants_held, key=lambda grant: (grant.granted_at, grant.pk)):
        grants.setdefault((grant.source, grant.source_ref), grant)
    return list(grants.values())


def colleagues_known_to(user: Actor) -> QuerySet[User]:
    """The people a picker may offer the user (an officer who signed, a worker who did
    something): active users with an active membership of the agency the user acts for, and
    nobody of another agency (docs/decisions.md 202). Agencies, by contrast, are public
    reference data."""
    membership = active_membership(user)
    if membership is None or not user.is_authenticated:
        return User.objects.none()
    members = Membership.objects.filter(agency_id=membership.agency_id, is_active=True).values("user")
    return User.objects.filter(pk__in=members, is_active=True).order_by("full_name", "username")


def assignable_caseworkers(agency_id: int) -> QuerySet[User]:
    """Whom a case of `agency_id` may be assigned to: accounts that are active, with an active
    caseworker membership of the agency. A deactivated account is never offered (issue 16),
    and `casework.actions.do_assign_case` refuses it as well."""
    caseworkers = Membership.objects.filter(agency_id=agency_id, role=Role.CASEWORKER, is_active=True).values("user")
    return User.objects.filter(pk__in=caseworkers, is_active=True).order_by("full_name", "username")
