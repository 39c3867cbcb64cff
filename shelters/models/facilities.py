"""Facilities, their beds, and the placements accepted for them (docs/data-model.md, Shelters, docs/domain.md §4)."""

import math

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.lib.person_name import ShowsIdentity
from casework.models import Agency, Case, Province
from casework.models.reference import BilingualLabel


class FacilityKind(models.TextChoices):
    PEACE_HOUSE = "peace_house", _("Peace House (Women's Union)")
    SOCIAL_ASSISTANCE = "social_assistance", _("social assistance facility")
    VICTIM_SUPPORT = "victim_support", _("victim-support facility")
    NGO_SHELTER = "ngo_shelter", _("NGO shelter")


class FacilityQuerySet(models.QuerySet):
    def taking(self, *, sex: str, child: bool, with_children: bool = False):
        """Facilities that take a person of this sex and age (and her children, if any)."""
        facilities = self.filter(is_active=True)
        if child:
            facilities = facilities.filter(takes_children=True)
        elif sex == "female":
            facilities = facilities.filter(takes_women=True)
        elif sex == "male":
            facilities = facilities.filter(takes_men=True)
        else:
            facilities = facilities.filter(takes_women=True, takes_men=True)
        if with_children:
            facilities = facilities.filter(takes_mothers_with_children=True)
        return facilities

    def with_free_beds(self, now=None):
        return self.annotate(
            free_beds=models.Count("beds", filter=Bed.free_q(now, prefix="beds__"), distinct=True)
        ).filter(free_beds__gt=0)


class Facility(BilingualLabel):
    """A shelter. It is run as an agency of its own, so its staff's access follows the same
    grants as every other agency's: they see only residents placed with them."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    agency = models.OneToOneField(
        Agency, on_delete=models.PROTECT, related_name="facility", verbose_name=_("agency running it")
    )
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    takes_women = models.BooleanField(_("takes women"), default=True)
    takes_men = models.BooleanField(_("takes men"), default=False)
    takes_children = models.BooleanField(_("takes children"), default=False)
    takes_mothers_with_children = models.BooleanField(_("takes mothers with their children"), default=False)
    services = models.JSONField(_("services offered"), default=list, blank=True)
    max_stay_months = models.PositiveSmallIntegerField(_("maximum stay (months)"), null=True, blank=True)
    followup_months = models.PositiveSmallIntegerField(_("follow-up period (months)"), null=True, blank=True)
    hold_hours = models.PositiveSmallIntegerField(
        _("bed hold (hours)"),
        default=48,
        help_text=_("How long a bed stays held for an accepted placement before it is released."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def distance_km(self, province: Province | None) -> float:
        """Great-circle distance between provincial centres; unknown positions sort last."""
        if province is None or province.pk == self.province_id:
            return 0.0 if province is not None else math.inf
        here, there = self.province, province
        if None in (here.latitude, here.longitude, there.latitude, there.longitude):
            return math.inf
        lat1, lon1, lat2, lon2 = map(math.radians, (here.latitude, here.longitude, there.latitude, there.longitude))
        h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6371 * math.asin(math.sqrt(h))


class Bed(models.Model):
    """A bed in a room. Free unless held for an incoming placement or occupied by a stay."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="beds", verbose_name=_("facility"))
    room = models.CharField(_("room"), max_length=40)
    label = models.CharField(_("bed"), max_length=40)
    is_active = models.BooleanField(_("in use"), default=True)
    held_for = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("held for")
    )
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)
    occupied_by = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("occupied by")
    )

    class Meta:
        ordering = ["facility", "room", "label"]
        constraints = [models.UniqueConstraint(fields=["facility", "room", "label"], name="bed_unique_label")]
        verbose_name = _("bed")
        verbose_name_plural = _("beds")

    def __str__(self) -> str:
        return f"{self.room} / {self.label}"

    @staticmethod
    def available_to_q(case, now=None) -> Q:
        """Free, or held for this very case: the beds she may be admitted to."""
        return Bed.free_q(now) | Q(held_for=case, occupied_by__isnull=True, is_active=True)

    @staticmethod
    def free_q(now=None, *, prefix: str = "") -> Q:
        """Active, not occupied, and not held (or the hold has expired)."""
        now = now or timezone.now()
        return Q(**{f"{prefix}is_active": True, f"{prefix}occupied_by__isnull": True}) & (
            Q(**{f"{prefix}held_until__isnull": True}) | Q(**{f"{prefix}held_until__lte": now})
        )


class Placement(ShowsIdentity, models.Model):
    """The shelter's side of an accepted placement referral: the facility has agreed to take
    the person and may admit her. Written by the referrals app when it accepts (shelters does
    not import referrals); `reference` is the referral's number."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placements")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="placements")
    reference = models.CharField(_("referral"), max_length=60)
    accepted_at = models.DateTimeField(_("accepted at"))
    bed = models.ForeignKey(
        Bed, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("bed held")
    )
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)
    hold_released_at = models.DateTimeField(_("hold released at"), null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["reference"], name="placement_unique_referral")]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self) -> str:
        return self.reference
