"""People received together: one reception group, one incident, one case per person (issue 16)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.agencies import Agency
from casework.models.cases import Case, Incident


class ReceptionGroup(models.Model):
    """A group registered in one sitting: the shared facts were entered once, each person has
    a case of their own and all the cases are linked to `incident` (decision 190). `token`
    is the sitting's: a resubmitted confirmation finds this group instead of making another
    (decision 191)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token = models.CharField(max_length=32, unique=True, editable=False)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="reception_groups", verbose_name=_("registering agency")
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="reception_groups", verbose_name=_("incident")
    )
    name = models.CharField(_("name of the group"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reception group")
        verbose_name_plural = _("reception groups")

    def __str__(self) -> str:
        return self.name or str(self.public_id)[:8]


class ReceptionGroupMember(models.Model):
    """One person of a group: their case, their row in the table as typed, and the person of
    the group who accompanies them (a child's parent or relative), if any."""

    group = models.ForeignKey(ReceptionGroup, on_delete=models.CASCADE, related_name="members")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="reception_group_member")
    position = models.PositiveSmallIntegerField(_("row"))
    accompanied_by = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accompanied by"),
    )

    class Meta:
        ordering = ["group", "position"]
        constraints = [
            models.UniqueConstraint(fields=["group", "position"], name="reception_group_position_unique"),
            models.CheckConstraint(
                condition=~models.Q(accompanied_by=models.F("case")), name="reception_group_not_self_accompanied"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} #{self.position}"
