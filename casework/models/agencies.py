"""Agencies, staff and their roles."""

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.reference import AgencyKind, BilingualLabel, Country, Province


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class StatisticsScope(models.TextChoices):
    AGENCY = "agency", _("its own cases")
    PROVINCE = "province", _("its province")
    NATIONAL = "national", _("the whole country")


class Agency(BilingualLabel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.ForeignKey(AgencyKind, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("kind"))
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="agencies", verbose_name=_("province")
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("country (missions abroad)"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent agency"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    coordinates_province = models.BooleanField(
        _("coordinates referrals in its province"),
        default=False,
        help_text=_("Overdue referrals in the province are escalated to this agency's supervisors."),
    )
    statistics_scope = models.CharField(
        _("supervisors' dashboards cover"),
        max_length=10,
        choices=StatisticsScope.choices,
        default=StatisticsScope.AGENCY,
        help_text=_("Provincial departments see their province; central departments the whole country."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("caseworker")
    SHELTER_STAFF = "shelter_staff", _("shelter staff")
    SUPERVISOR = "supervisor", _("supervisor")
    AGENCY_ADMIN = "agency_admin", _("agency administrator")


class AgencyGroup(models.Model):
    """The one Django group of an (agency, role) pair; case permissions are granted to it."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency_group")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "role"], name="agency_group_unique")]

    def __str__(self) -> str:
        return f"{self.agency.code}:{self.role}"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency_group = models.ForeignKey(AgencyGroup, on_delete=models.PROTECT, related_name="memberships")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "role"]
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.agency.label} — {self.get_role_display()}"

    @property
    def group_id(self) -> int:
        return self.agency_group.group_id
