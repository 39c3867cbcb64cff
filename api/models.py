"""Credentials of partner systems and the idempotency keys of the reports they sent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models import Agency, Case


class Scope(models.TextChoices):
    """What a client may call; each scope acts through the membership role the web gives the
    same work (`api.clients.SCOPE_ROLES`, decision 231)."""

    REPORTS_CREATE = "reports:create", _("create reports (hotline intake)")
    CASES_READ = "cases:read", _("read cases")
    REFERRALS_READ = "referrals:read", _("read referrals")
    REFERRALS_ACT = "referrals:act", _("act on referrals")
    HTCDS_EXPORT = "htcds:export", _("export cases as HTCDS")
    HTCDS_IMPORT = "htcds:import", _("import cases as HTCDS")


class ApiClient(models.Model):
    """One partner system, bound to one agency. Only the SHA-256 of its token is kept; the token
    itself is shown once, when the client is created. Its calls act as the client's service
    account (`user`, which cannot sign in) through that account's memberships of the agency."""

    name = models.CharField(_("name"), max_length=100)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_clients", verbose_name=_("agency"))
    scopes = models.JSONField(_("scopes"), default=list)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", verbose_name=_("service account")
    )
    # The first characters of the token, to tell clients apart in lists; never enough to use it.
    token_prefix = models.CharField(_("token begins with"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["agency__name", "name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotentReport(models.Model):
    """A report registered under a client's Idempotency-Key: the same key again returns this case
    instead of registering the person twice (decision 163 for the API, decision 233)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # SHA-256 of the request body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="api_idempotent_report_unique")]
