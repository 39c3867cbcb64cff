"""Two records of one person: a link saying they are the same woman, and the merge of one case
into the other (decisions 193–195). Neither deletes or moves anything: a merged case stays
with all its rows, read-only, pointing at the case that carries on (`Case.merged_into`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.agencies import Agency
from casework.models.cases import Case


class PersonLink(models.Model):
    """Two cases recorded as the same person by an agency working on one of them. The pair is
    stored in id order, so a link is found from either side; one active link per pair."""

    case_a = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    case_b = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("why they are the same person"))
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked by agency"))
    linked_at = models.DateTimeField(_("linked at"))
    unlinked_at = models.DateTimeField(_("unlinked at"), null=True, blank=True)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unlink_reason = models.TextField(_("why the link was removed"), blank=True)

    class Meta:
        ordering = ["-linked_at", "-id"]
        verbose_name = _("same-person link")
        verbose_name_plural = _("same-person links")
        constraints = [
            models.CheckConstraint(condition=models.Q(case_a__lt=models.F("case_b")), name="person_link_ordered"),
            models.UniqueConstraint(
                fields=["case_a", "case_b"], condition=models.Q(unlinked_at__isnull=True), name="person_link_once"
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.unlinked_at is None

    def other(self, case: Case) -> Case:
        return self.case_b if case.pk == self.case_a_id else self.case_a


class CaseMerge(models.Model):
    """One case (`absorbed`) merged into another (`survivor`) by the survivor's lead agency.
    The absorbed case keeps every row it had; the merge gives each lead agency `core`
    read-only on the other case (grants with source `merge` and `source_ref` "merge:<id>"),
    and an agency administrator reverses it."""

    survivor = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="merges_in")
    absorbed = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="merges_out")
    link = models.ForeignKey(PersonLink, on_delete=models.PROTECT, related_name="merges")
    reason = models.TextField(_("reason"))
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged by agency"))
    merged_at = models.DateTimeField(_("merged at"))
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversal_reason = models.TextField(_("why the merge was reversed"), blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("case merge")
        verbose_name_plural = _("case merges")
        constraints = [
            models.UniqueConstraint(
                fields=["absorbed"], condition=models.Q(reversed_at__isnull=True), name="case_merged_once"
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.reversed_at is None

    @property
    def grant_ref(self) -> str:
        """The `source_ref` of the read-only grants this merge gave."""
        return f"merge:{self.pk}"
