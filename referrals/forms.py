"""Forms validate and normalise; the actions in referrals/actions.py act."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import DATETIME_INPUT, GuardedForm, LabelChoiceField, StyledForm, cache_options
from casework.models import Agency
from referrals.actions import HANDOVER_CLOCK_SLACK
from referrals.models import HandoverMinutes, ReferralPurpose


class SendReferralForm(StyledForm, forms.Form):
    purpose = LabelChoiceField(queryset=ReferralPurpose.objects.none(), label=_("Purpose of the referral"))
    to_agency = LabelChoiceField(queryset=Agency.objects.none(), label=_("Receiving agency"))
    note = forms.CharField(
        label=_("Note to the receiving agency"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    urgent = forms.BooleanField(
        label=_("Urgent: the receiving agency should decide first"),
        required=False,
    )

    def __init__(self, *args, from_agency: Agency, **kwargs):
        kwargs.setdefault("auto_id", "referral_%s")
        super().__init__(*args, **kwargs)
        self.fields["purpose"].queryset = ReferralPurpose.objects.filter(sender_kinds=from_agency.kind_id)
        self.fields["to_agency"].queryset = Agency.objects.filter(is_active=True).exclude(pk=from_agency.pk)
        cache_options(self.fields["to_agency"], f"send-agencies:{from_agency.pk}")


class MoveForm(StyledForm, forms.Form):
    """The reason or note of a move; whether it is required is the action's rule."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class RedirectForm(MoveForm):
    to_agency = LabelChoiceField(queryset=Agency.objects.none(), label=_("New receiving agency"))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies
        self.order_fields(["to_agency", "reason"])


class ArchivePageForm(GuardedForm, forms.Form):
    """The archive tab's query string: which side, and the cursor of `casework.pagination`."""

    side = forms.ChoiceField(
        required=False, choices=[("received", _("Archive: received")), ("sent", _("Archive: sent"))]
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    after = forms.UUIDField(required=False)
    before = forms.UUIDField(required=False)


class AssignWorkerForm(GuardedForm, forms.Form):
    user = forms.ModelChoiceField(queryset=None, label=_("Caseworker"))

    def __init__(self, *args, caseworkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = caseworkers


def _now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


def _minutes_text(name: str, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=HandoverMinutes._meta.get_field(name).verbose_name,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=required,
    )


class HandoverMinutesForm(StyledForm, forms.Form):
    """The handover minutes (biên bản bàn giao); the action checks them against the referral."""

    handed_over_at = forms.DateTimeField(
        label=HandoverMinutes._meta.get_field("handed_over_at").verbose_name,
        widget=DATETIME_INPUT,
        initial=_now_to_the_minute,
    )
    place = forms.CharField(label=HandoverMinutes._meta.get_field("place").verbose_name, max_length=300)
    sender_officers = _minutes_text("sender_officers", required=True)
    receiver_officers = _minutes_text("receiver_officers", required=True)
    documents = _minutes_text("documents", required=False)
    belongings = _minutes_text("belongings", required=False)
    person_wishes = _minutes_text("person_wishes", required=False)
    signed_by = forms.MultipleChoiceField(
        label=HandoverMinutes._meta.get_field("signed_by").verbose_name,
        choices=HandoverMinutes.Signatory.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "minutes_%s")
        super().__init__(*args, **kwargs)

    def clean_handed_over_at(self):
        handed_over_at = self.cleaned_data["handed_over_at"]
        if handed_over_at > timezone.now() + HANDOVER_CLOCK_SLACK:
            raise forms.ValidationError(_("The time of the handover cannot be in the future."))
        return handed_over_at

    def minutes(self) -> HandoverMinutes:
        """The unsaved minutes; the action saves them with the move."""
        return HandoverMinutes(**self.cleaned_data)
