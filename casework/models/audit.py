"""The audit log. Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.agencies import Agency
from casework.models.cases import Case


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        LIST = "list", _("listed")
        SEARCH = "search", _("searched")
        EXPORT = "export", _("exported")
        DOWNLOAD = "download", _("downloaded")
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        TRANSITION = "transition", _("changed status")
        GRANT = "grant", _("granted access")
        REVOKE = "revoke", _("revoked access")
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("failed sign-in")
        LOGOUT = "logout", _("signed out")
        DENIED = "denied", _("denied")
        REFUSED = "refused", _("refused by a rule")
        # Second factor, password and re-authentication changes; detail["event"] says which.
        ACCOUNT = "account", _("changed sign-in security")

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="audit_events"
    )
    classes = models.JSONField(default=list)
    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "-at"], name="audit_case_time"),
            models.Index(fields=["action", "username", "ip", "-at"], name="audit_login_lookup"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only")
