"""Reference data: provinces (before and after the 2025 reform), ethnic groups, countries,
HTCDS picklists and agency kinds. Labels are data in both languages."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualLabel(models.Model):
    name = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Province(BilingualLabel):
    """A provincial unit in force since 2025-07-01 (34 of them)."""

    class Kind(models.TextChoices):
        CITY = "city", _("centrally-run city")
        PROVINCE = "province", _("province")

    code = models.CharField(_("code"), max_length=4, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROVINCE)
    # Approximate position of the provincial centre, used only to order shelters "nearest to
    # home first" (decision 22); admin-editable.
    latitude = models.FloatField(_("latitude of the provincial centre"), null=True, blank=True)
    longitude = models.FloatField(_("longitude of the provincial centre"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class FormerProvince(BilingualLabel):
    """One of the 63 provinces before the 2025 reform, mapped to the unit it joined."""

    code = models.CharField(_("GSO code"), max_length=3, unique=True)
    successor = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="former_provinces", verbose_name=_("merged into")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("former province (before 2025)")
        verbose_name_plural = _("former provinces (before 2025)")


class EthnicGroup(BilingualLabel):
    code = models.CharField(_("code"), max_length=3, unique=True)
    is_majority = models.BooleanField(_("majority group (Kinh)"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ethnic group")
        verbose_name_plural = _("ethnic groups")


class Country(BilingualLabel):
    alpha2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, unique=True)
    alpha3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, unique=True)
    # Where the people received most often were taken (docs/decisions.md 201): offered first,
    # in this order, in every destination-country select. Empty: only in the full list.
    common_destination_order = models.PositiveSmallIntegerField(
        _("place among the common destinations"),
        null=True,
        blank=True,
        help_text=_("Countries with a number are offered first, in that order, where a destination is chosen."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")


class PicklistValue(models.Model):
    """A value of an HTCDS 2.0 picklist (code = the standard's value name)."""

    class List(models.TextChoices):
        EXPLOITATION_TYPE = "exploitation_type", _("form of exploitation")
        MEANS_OF_CONTROL = "means_of_control", _("means of control")
        RECRUITMENT_METHOD = "recruitment_method", _("recruitment method")
        LABOUR_EXPLOITATION_TYPE = "labour_exploitation_type", _("type of labour exploitation")
        SEX_EXPLOITATION_TYPE = "sex_exploitation_type", _("type of sexual exploitation")

    list_name = models.CharField(_("list"), max_length=40, choices=List.choices)
    code = models.CharField(_("HTCDS value name"), max_length=80)
    name = models.CharField(_("label (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("label (English)"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["list_name", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["list_name", "code"], name="picklist_value_unique")]
        verbose_name = _("picklist value")
        verbose_name_plural = _("picklist values")

    label = BilingualLabel.label

    def __str__(self) -> str:
        return self.label


class AgencyKind(BilingualLabel):
    """Police, border guard, social protection, … — data, so a renamed ministry is one edit."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    # Which kinds the law names as competent to decide that a person is a victim (docs/domain.md §3):
    # data, so an administrator follows a change in the law with one edit and its source.
    may_identify = models.BooleanField(
        _("may record the identification decision"),
        default=False,
        help_text=_("Other agencies may only propose the decision, with grounds, to a competent body."),
    )
    identification_basis = models.CharField(_("legal basis for identifying"), max_length=300, blank=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("agency kind")
        verbose_name_plural = _("agency kinds")
