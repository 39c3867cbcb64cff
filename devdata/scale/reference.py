"""What the generator needs from the reference rows already in the database (provinces,
countries, picklists, referral purposes, support items, permissions), and the timeline's words
in the system language, computed once."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import translation
from django.utils.translation import gettext as _

from casework.models import (
    AgencyKind,
    CaseStatus,
    Country,
    EthnicGroup,
    FormerProvince,
    PicklistValue,
    Province,
    Role,
    SensitivityClass,
    StatusDeadline,
)
from referrals.models import ReferralPurpose, ReferralStatus
from shelters.models import FollowUpOutcome, ServiceKind, Stay
from support.models import CalendarDay, SupportItem


@dataclass(frozen=True)
class PurposeInfo:
    id: int
    code: str
    name: str
    classes: frozenset[str]
    consent_required: bool
    acknowledge_hours: int | None
    decide_hours: int | None
    handover_hours: int | None
    escalate_after_hours: int | None
    sender_kinds: frozenset[str]
    receiver_kinds: frozenset[str]


@dataclass(frozen=True)
class ItemInfo:
    id: int
    code: str
    name: str
    regime: str
    amount_kind: str
    claim_form: str
    decision_working_days: int | None
    claim_within_months: int | None
    poor_household_only: bool
    deciding_kind: str | None
    deciding_role: str


class Labels:
    """The words the actions write on timelines, in the system language (as the actions do
    for lines written once: `translation.override(settings.LANGUAGE_CODE)`)."""

    def __init__(self):
        with translation.override(settings.LANGUAGE_CODE):
            self.classes = {value: str(SensitivityClass(value).label) for value in SensitivityClass.values}
            self.roles = {value: str(Role(value).label) for value in Role.values}
            self.case_status = {value: str(CaseStatus(value).label) for value in CaseStatus.values}
            self.referral_status = {value: str(ReferralStatus(value).label) for value in ReferralStatus.values}
            self.services = {value: str(ServiceKind(value).label) for value in ServiceKind.values}
            self.destinations = {value: str(Stay.Destination(value).label) for value in Stay.Destination.values}
            self.outcomes = {value: str(FollowUpOutcome(value).label) for value in FollowUpOutcome.values}
            self.discharge_move = _("Discharged from %(facility)s.") % {"facility": _("shelter")}
            self.held = _("Bed %(bed)s at %(facility)s held until %(until)s.")
            self.admitted = _("Admitted to %(facility)s, bed %(bed)s, until %(end)s.")
            self.discharged = _("Discharged from %(facility)s (%(destination)s): %(reason)s")
            self.intake_completed = _("Intake form completed.")
            self.followup = _("Follow-up visit (%(months)s months): %(outcome)s")
            self.stay_at = _("stay at %(facility)s")
            self.claim_filed_due = _("Claim filed: %(item)s, decided by %(agency)s, due %(day)s")
            self.claim_filed = _("Claim filed: %(item)s, decided by %(agency)s")
            self.claim_refused = _("Claim refused: %(item)s — %(reason)s")
            self.claim_approved_amount = _("Claim approved: %(item)s, %(amount)s VND — %(reason)s")
            self.claim_approved = _("Claim approved: %(item)s — %(reason)s")
            self.payment = _("Payment of %(amount)s for %(item)s (receipt %(receipt)s)")
            self.claim_overdue = _("Decision on the claim for %(item)s was due %(day)s")


class Reference:
    def __init__(self):
        self.provinces = {province.code: province for province in Province.objects.all()}
        self.former: dict[str, list[int]] = {}
        for former in FormerProvince.objects.select_related("successor"):
            self.former.setdefault(former.successor.code, []).append(former.pk)
        self.kinds = dict(AgencyKind.objects.values_list("code", "pk"))
        self.countries = dict(Country.objects.values_list("alpha2", "pk"))
        self.country_names = dict(Country.objects.values_list("alpha2", "name"))
        self.ethnic = dict(EthnicGroup.objects.values_list("code", "pk"))
        self.picklist = {
            (row[0], row[1]): row[2] for row in PicklistValue.objects.values_list("list_name", "code", "pk")
        }
        self.purposes = {}
        for purpose in ReferralPurpose.objects.prefetch_related("sender_kinds", "receiver_kinds"):
            self.purposes[purpose.code] = PurposeInfo(
                purpose.pk,
                purpose.code,
                purpose.name,
                frozenset(purpose.classes),
                purpose.consent_required,
                purpose.acknowledge_hours,
                purpose.decide_hours,
                purpose.handover_hours,
                purpose.escalate_after_hours,
                frozenset(kind.code for kind in purpose.sender_kinds.all()),
                frozenset(kind.code for kind in purpose.receiver_kinds.all()),
            )
        self.items = {
            item.code: ItemInfo(
                item.pk,
                item.code,
                item.name,
                item.regime,
                item.amount_kind,
                item.claim_form,
                item.decision_working_days,
                item.claim_within_months,
                item.poor_household_only,
                item.deciding_kind.code if item.deciding_kind_id else None,
                item.deciding_role,
            )
            for item in SupportItem.objects.filter(is_active=True).select_related("deciding_kind")
        }
        self.permissions = dict(
            Permission.objects.filter(content_type__app_label="casework", content_type__model="case").values_list(
                "codename", "pk"
            )
        )
        self.deadline_hours = {
            status: hours for status, hours in StatusDeadline.objects.values_list("status", "hours") if hours
        }
        self.calendar: dict[datetime.date, str] = dict(CalendarDay.objects.values_list("date", "kind"))
        self.labels = Labels()
