"""Handover minutes (biên bản bàn giao) recorded when a referral is handed over."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .core import Referral


class HandoverMinutes(models.Model):
    class Signatory(models.TextChoices):
        SENDER = "sender", _("officer of the handing-over side")
        RECEIVER = "receiver", _("officer of the receiving side")
        PERSON = "person", _("the person")
        REPRESENTATIVE = "representative", _("the person's legal representative")
        INTERPRETER = "interpreter", _("interpreter")

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="minutes")
    handed_over_at = models.DateTimeField(_("time of handover"))
    place = models.CharField(_("place"), max_length=300)
    sender_officers = models.TextField(_("officers of the handing-over side (name, position)"))
    receiver_officers = models.TextField(_("officers of the receiving side (name, position)"))
    documents = models.TextField(_("the person's documents handed over"), blank=True)
    belongings = models.TextField(_("the person's belongings handed over"), blank=True)
    person_wishes = models.TextField(_("the person's own wishes"), blank=True)
    signed_by = models.JSONField(_("signed by"), default=list)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("handover minutes")
        verbose_name_plural = _("handover minutes")
