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


class UserSession(models.Model):
    """A signed-in session of the user, as the account page lists it (ASVS 3.3.4): where and
    when it began and its last user action, so that the user can end it. The key is the
    session store's own key (the store's table holds it the same way); the row goes when the
    session ends, and rows of sessions that ended otherwise are dropped when listed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="open_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    signed_in_at = models.DateTimeField(_("signed in"))
    last_seen_at = models.DateTimeField(_("last action"))

    class Meta:
        verbose_name = _("open session")
        verbose_name_plural = _("open sessions")
        indexes = [models.Index(fields=["user", "-signed_in_at"], name="user_session_user")]

    def __str__(self) -> str:
        return f"{self.user} {self.signed_in_at:%Y-%m-%d %H:%M}"
