"""The only way views fetch protected casework objects.

A case is visible to a user through a guardian permission held by the group of the user's
*active* membership (their agency and role) or by the user directly (assignment). Missing
and not allowed are the same 404, and a denied attempt leaves an audit row.
"""

from typing import NoReturn

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from casework import audit
from casework.models import (
    CHANGE_PERMISSION,
    CLASS_PERMISSIONS,
    AuditEvent,
    Case,
    CaseGrant,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Document,
    Membership,
    Role,
    SensitivityClass,
)


def deny(user, detail: dict, *, case: Case | None = None) -> NoReturn:
    """Refuse as "not found": write the denied audit row and raise 404."""
    audit.record(AuditEvent.Action.DENIED, actor=user, case=case, detail=detail)
    raise Http404


def active_membership(user) -> Membership | None:
    return getattr(user, "active_membership", None)


def _permission_q(user, codename: str) -> Q:
    """One EXISTS per holder kind over the direct-FK tables; no id lists in Python."""
    by_user = Exists(
        CaseUserObjectPermission.objects.filter(
            content_object=OuterRef("pk"), user_id=user.pk, permission__codename=codename
        )
    )
    membership = active_membership(user)
    if membership is None:
        return Q(pk__in=[])
    by_group = Exists(
        CaseGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"), group_id=membership.group_id, permission__codename=codename
        )
    )
    if membership.role != Role.CASEWORKER:
        return Q(by_group)
    # An assignment belongs to the caseworker role in the agency that made it: it counts only
    # while the user acts as a caseworker of the owning agency.
    return Q(by_group) | (Q(by_user) & Q(owning_agency_id=membership.agency_id))


def holds_class(user, cls: str, case_ref: str = "pk") -> Exists:
    """An annotation for a list: does the user hold `cls` on the case at `case_ref` of each row?
    Lets a list show a name only where identity is held, in the list's own query."""
    return Exists(Case.objects.filter(pk=OuterRef(case_ref)).filter(_permission_q(user, CLASS_PERMISSIONS[cls])))


def visible_cases(user, cls: str = SensitivityClass.CORE) -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_permission_q(user, CLASS_PERMISSIONS[cls]))


def changeable_cases(user) -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_permission_q(user, CHANGE_PERMISSION))


def case_classes(user, case: Case) -> set[str]:
    """The sensitivity classes (and "change") the user holds on one case, in one query."""
    codenames = {code: cls for cls, code in CLASS_PERMISSIONS.items()} | {CHANGE_PERMISSION: "change"}
    membership = active_membership(user)
    group_rows = CaseGroupObjectPermission.objects.filter(
        content_object=case, group_id=membership.group_id if membership else None
    ).values_list("permission__codename", flat=True)
    acting_for_owner = (
        membership is not None and membership.agency_id == case.owning_agency_id and membership.role == Role.CASEWORKER
    )
    user_rows = CaseUserObjectPermission.objects.filter(
        content_object=case, user_id=user.pk if acting_for_owner else None
    ).values_list("permission__codename", flat=True)
    return {codenames[code] for code in group_rows.union(user_rows) if code in codenames}


def access_case(user, public_id, *, need: str = SensitivityClass.CORE) -> tuple[Case, set[str]]:
    """The case and the classes the user may see on it; 404 (and an audit row) otherwise.

    `need` is a sensitivity class or "change".
    """
    case = (
        Case.objects.select_related(
            "person__ethnicity",
            "person__nationality",
            "person__home_province",
            "person__home_former_province",
            "owning_agency",
            "assigned_to",
            "reception_province",
            "destination_country",
            "incident",
        )
        .filter(public_id=public_id)
        .first()
    )
    held = case_classes(user, case) if case is not None else set()
    if case is None or need not in held:
        deny(user, {"need": need, "public_id": str(public_id)}, case=case)
    return case, held


def access_document(user, case_public_id, document_public_id) -> tuple[Document, Case]:
    case, held = access_case(user, case_public_id)
    document = case.documents.filter(public_id=document_public_id).first()
    if document is None or document.sensitivity not in held:
        deny(user, {"document": str(document_public_id)}, case=case)
    return document, case


def why_visible(user, case: Case) -> list[CaseGrant]:
    """The active grants through which this user sees the case (the "why" line)."""
    membership = active_membership(user)
    if membership is None:
        return []
    holder = Q(group_id=membership.group_id)
    if membership.agency_id == case.owning_agency_id and membership.role == Role.CASEWORKER:
        holder |= Q(user_id=user.pk)
    # One line per source: a referral grants `core` on sending and more on acceptance.
    grants = {}
    for grant in case.grants.filter(holder, revoked_at__isnull=True).order_by("granted_at", "pk"):
        grants.setdefault((grant.source, grant.source_ref), grant)
    return list(grants.values())
