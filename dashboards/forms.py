"""The filters of the dashboard and the statistics: period, province, agency."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_INPUT, LabelChoiceField, StyledForm, cache_options, reference_options
from dashboards import periods
from dashboards.scope import Filters, Scope

# Nothing in the system predates the first national programme against trafficking.
EARLIEST = datetime.date(1990, 1, 1)


class PeriodChecks:
    """A period by date of reception (`date_from`, `date_to`): not in the future, not before
    1990, and in order. Shared by the pages and the statistics export, which answer alike.

    With `fixed_periods` (suppressed figures: no mandate, or for sharing) the period must be a
    whole calendar month, quarter, half-year or year that has ended (`dashboards.periods`,
    decision 171); a `period` code, when the form has one, gives both days. `period_required`:
    a form without dates is refused too (an export), not given a default (a page)."""

    fixed_periods = False
    period_required = False

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if data.get("period"):
            data["date_from"], data["date_to"] = periods.bounds(data["period"]) or (None, None)
        date_from, date_to = data.get("date_from"), data.get("date_to")
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day and day > today:
                self.add_error(name, _("A date in the future cannot be counted yet."))
            if day and day < EARLIEST:
                self.add_error(name, _("Enter a date from 1990 on."))
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end of the period is before its start."))
        if self.fixed_periods:
            asked = date_from or date_to or self.period_required
            # Also when a day was wrong: the days are hidden there, so their errors would not show.
            if self.errors or (asked and not periods.is_fixed(date_from, date_to, today)):
                self.add_error(None, periods.NOT_A_FIXED_PERIOD)
        return data


class PeriodFilterForm(PeriodChecks, StyledForm, forms.Form):
    date_from = forms.DateField(label=_("Received from"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("Received until"), required=False, widget=DATE_INPUT)
    province = LabelChoiceField(queryset=None, required=False, label=_("Province"), empty_label=_("All provinces"))
    agency = LabelChoiceField(queryset=None, required=False, label=_("Agency"), empty_label=_("All agencies"))

    def __init__(self, *args, scope: Scope, fixed_periods: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fixed_periods = fixed_periods
        if fixed_periods:
            # Whole periods only: chosen from a list; the days stay as hidden fields, so a link
            # that names them is checked, not ignored.
            self.fields["period"] = forms.ChoiceField(
                label=_("Period"),
                required=False,
                choices=[("", _("Last month"))] + periods.choices(timezone.localdate()),
            )
            self.order_fields(["period"])
            for name in ("date_from", "date_to"):
                self.fields[name].widget = forms.HiddenInput()
        self.fields["province"].queryset = scope.provinces()
        self.fields["agency"].queryset = scope.agencies()
        if scope.level != "national":
            # One province (or one agency): there is nothing to choose.
            del self.fields["province"]
        if scope.level == "agency":
            del self.fields["agency"]
        place = scope.province.pk if scope.province else scope.agency.pk
        if "province" in self.fields:  # in Vietnamese order (docs/decisions.md 200)
            reference_options(self.fields["province"], f"dashboard-province:{scope.level}:{place}")
        if "agency" in self.fields:
            cache_options(self.fields["agency"], f"dashboard-agency:{scope.level}:{place}")

    def filters(self, default_from: datetime.date | None = None, default_to: datetime.date | None = None) -> Filters:
        data = getattr(self, "cleaned_data", {})  # unbound: no filter chosen
        province = data.get("province")
        agency = data.get("agency")
        return Filters(
            date_from=data.get("date_from") or default_from,
            date_to=data.get("date_to") or default_to,
            province_id=province.pk if province else None,
            agency_id=agency.pk if agency else None,
        )
