"""Drafts: what a user typed into a multi-step form, kept on the server per user (and case)
rather than in the session, so a session that ends mid-form loses nothing (decision 196)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.agencies import Agency
from casework.models.cases import Case


class Draft(models.Model):
    """One user's unfinished form. The payload holds personal data as typed: only its owner
    reads it, it is deleted when the form is completed or discarded, and one older than
    CAUNOI_DRAFT_DAYS is purged (casework.drafts.purge_expired). It is never logged or
    audited by value."""

    class Kind(models.TextChoices):
        NEW_CASE = "new_case", _("new case registration")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The agency the user was acting for: a draft is continued only for that agency.
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "kind"], condition=models.Q(case__isnull=True), name="draft_one_per_kind"
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "case"], condition=models.Q(case__isnull=False), name="draft_one_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    def __repr__(self) -> str:  # never the payload
        return f"<Draft {self.kind} {self.public_id}>"
