"""Second sign-in factors: one authenticator app (TOTP) per user and single-use recovery codes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TwoFactorDevice(models.Model):
    """The user's authenticator. The secret is sealed (casework.twofactor.seal) and is shown
    only while enrolling; a device without `confirmed_at` is an enrolment not yet finished."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor", verbose_name=_("user")
    )
    sealed_secret = models.CharField(max_length=200)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # The last time step whose code was accepted: a code is never accepted twice, nor an older one.
    last_step = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """One single-use recovery code, kept only as a password hash."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=256)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="recovery_code_user_unused")]
