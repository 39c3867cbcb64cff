"""Row-level permission rows (django-guardian) kept equal to a case's grants.

A grant (`CaseGrant`) is the record of who may see which classes of a case; guardian's object
permission rows are what the permission checks read. After every grant or revocation the rows of
that holder on that case are recomputed from its active grants, so the two cannot drift apart.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Permission

from casework.models import (
    CHANGE_PERMISSION,
    CLASS_PERMISSIONS,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
)


def codenames(classes: Iterable[str], can_change: bool) -> set[str]:
    names = {CLASS_PERMISSIONS[cls] for cls in classes}
    if can_change:
        names.add(CHANGE_PERMISSION)
    return names


def sync_holder_permissions(case: Case, *, group_id: int | None = None, user_id: int | None = None) -> None:
    """Make the guardian rows of one holder on one case equal the union of its active grants."""
    if group_id is not None:
        model, holder = CaseGroupObjectPermission, {"group_id": group_id}
    else:
        model, holder = CaseUserObjectPermission, {"user_id": user_id}
    wanted = set()
    for grant in case.grants.filter(revoked_at__isnull=True, **holder):
        wanted |= codenames(grant.classes, grant.can_change)
    rows = model.objects.filter(content_object=case, **holder)
    rows.exclude(permission__codename__in=wanted).delete()
    have = set(rows.values_list("permission__codename", flat=True))
    missing = Permission.objects.filter(content_type__app_label="casework", codename__in=wanted - have)
    model.objects.bulk_create([model(content_object=case, permission=permission, **holder) for permission in missing])
