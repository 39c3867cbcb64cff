"""The people in the records: victims, accompanying children and relatives.

Everything on a Person is `identity` class data (docs/architecture.md, Flow A): it is shown only to holders
of `view_case_identity` on one of the person's cases.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.lib.text import normalize_document_number, normalize_name
from casework.models.reference import Country, EthnicGroup, FormerProvince, Province


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("transgender / non-conforming")
    UNKNOWN = "unknown", _("unknown")


class DocumentType(models.TextChoices):
    CCCD = "cccd", _("citizen identity card")
    PASSPORT = "passport", _("passport")
    BIRTH_CERTIFICATE = "birth_certificate", _("birth certificate")
    FOREIGN_ID = "foreign_id", _("foreign identity document")
    OTHER = "other", _("other document")


class Person(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=200)
    other_names = models.CharField(_("other names"), max_length=300, blank=True)
    search_name = models.CharField(max_length=600, editable=False, db_index=True)
    # The normalised full name alone: duplicate checks compare it exactly.
    name_key = models.CharField(max_length=200, editable=False, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True, db_index=True)
    ethnicity = models.ForeignKey(
        EthnicGroup, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("ethnicity")
    )
    nationality = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("nationality")
    )
    document_type = models.CharField(_("identity document"), max_length=20, choices=DocumentType.choices, blank=True)
    document_number = models.CharField(_("document number"), max_length=40, blank=True, db_index=True)
    home_province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("home province")
    )
    home_former_province = models.ForeignKey(
        FormerProvince,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("home province as recorded (before 2025)"),
    )
    home_address = models.CharField(_("home address"), max_length=300, blank=True)
    # The commune of residence: reintegration and follow-up go to it (Law 53 ch. V).
    home_commune = models.ForeignKey(
        "casework.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind__code": "commune"},
        verbose_name=_("home commune"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    disability = models.CharField(_("disability"), max_length=200, blank=True)
    poor_household = models.BooleanField(_("poor household"), null=True, blank=True)
    stateless_resident = models.BooleanField(_("stateless, living permanently in Vietnam"), default=False)
    guardian_name = models.CharField(_("guardian / legal representative"), max_length=200, blank=True)
    guardian_relation = models.CharField(_("relation to the person"), max_length=100, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["name_key", "birth_year", "home_province"], name="person_duplicate_key")]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.derive_fields()
        super().save(*args, **kwargs)

    def derive_fields(self) -> None:
        """The columns a save derives from the others (bulk inserts call it themselves)."""
        self.search_name = normalize_name(f"{self.full_name} {self.other_names}")
        self.name_key = normalize_name(self.full_name)
        self.document_number = normalize_document_number(self.document_number)
        if self.birth_date:
            self.birth_year = self.birth_date.year
        if self.home_former_province_id and not self.home_province_id:
            self.home_province_id = self.home_former_province.successor_id

    def age_on(self, day: datetime.date) -> int | None:
        """Age in whole years; from the year alone when only the year is known."""
        if self.birth_date:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - before_birthday
        if self.birth_year:
            return age_from_birth_year(self.birth_year, day)
        return None


def age_from_birth_year(year: int, day: datetime.date) -> int:
    """Age in whole years on `day` of someone of whom only the year of birth is known.

    By default (CAUNOI_AGE_FROM_BIRTH_YEAR = "conservative") she is counted as born at the
    end of that year: a child until 31 December of the year she turns 18, never an adult
    before she can be one. In the year of birth itself she is 0. Negative when `day` is
    before the year of birth (the callers refuse that)."""
    age = day.year - year
    if settings.CAUNOI_AGE_FROM_BIRTH_YEAR == "conservative" and age > 0:
        age -= 1
    return age
