"""Per-case permissions: guardian's direct foreign-key tables, and the grants behind them.

The guardian rows are what queries filter on (one EXISTS per list); `CaseGrant` keeps why
each group or user holds them, so revoking one grant (a closed referral) leaves what another
(the owning agency) gives, and the case page can say "why can I see this?".
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casework.models.cases import Case


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    # The base's unique (user, permission, content_object) is the permission filter's index.
    class Meta(UserObjectPermissionBase.Meta):
        pass


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    # The base's unique (group, permission, content_object) is the permission filter's index.
    class Meta(GroupObjectPermissionBase.Meta):
        pass


class CaseGrant(models.Model):
    class Source(models.TextChoices):
        OWN_AGENCY = "own_agency", _("own agency")
        ASSIGNMENT = "assignment", _("assignment")
        REFERRAL = "referral", _("referral")
        CLAIM = "claim", _("support claim to decide")
        FORMER = "former", _("earlier responsibility (read-only)")
        MERGE = "merge", _("merged record of the same person (read-only)")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="grants")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    classes = models.JSONField(default=list)
    # The holder works on the case through this grant (the lead's caseworkers and shelter staff,
    # an assignment, an accepted referral); what that work may be is decided per action by the
    # capability functions (casework/access.py), never by this flag alone.
    can_change = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=Source.choices)
    source_ref = models.CharField(max_length=60, blank=True)
    # For referral grants: the purpose's code, which decides what a receiver may do.
    purpose = models.CharField(max_length=40, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["granted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(group__isnull=False, user__isnull=True)
                | models.Q(group__isnull=True, user__isnull=False),
                name="case_grant_one_holder",
            )
        ]
        indexes = [models.Index(fields=["case", "revoked_at"], name="case_grant_active")]
