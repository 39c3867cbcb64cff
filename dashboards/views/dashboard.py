"""The supervisor dashboard and the official statistics pages."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from casework import audit
from casework.access import active_membership, deny
from casework.models import AuditEvent
from casework.views.common import membership_required
from dashboards import overview, stats
from dashboards.forms import PeriodFilterForm
from dashboards.scope import Scope


def _scope_or_404(request) -> Scope:
    scope = Scope.for_membership(active_membership(request.user))
    if scope is None:
        deny(request.user, {"page": request.resolver_match.url_name})
    return scope


def _audit(request, page: str, scope: Scope, filters) -> None:
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        detail={"page": page, "scope": scope.level, "filters": filters.to_params()},
    )


def _filtered(
    request, scope: Scope, template: str, context: dict, initial: dict | None = None
) -> tuple[PeriodFilterForm, HttpResponse | None]:
    """The filter form; a bad filter answers 400 with the form and what was typed."""
    form = PeriodFilterForm(request.GET or None, scope=scope, initial=initial)
    if request.GET and not form.is_valid():
        response = render(request, template, context | {"form": form, "scope": scope, "invalid": True}, status=400)
        return form, response
    return form, None


@membership_required
def dashboard(request):
    scope = _scope_or_404(request)
    template = "dashboards/dashboard.html"
    today = timezone.localdate()
    start, end = overview.default_period(today)
    form, refused = _filtered(request, scope, template, {}, initial={"date_from": start, "date_to": end})
    if refused:
        return refused
    filters = form.filters(start, end)
    suppress = stats.must_suppress(scope)
    data = overview.build(scope, filters, suppress=suppress, today=today)
    _audit(request, "dashboard", scope, filters)
    return render(
        request,
        template,
        {
            "form": form,
            "scope": scope,
            "filters": filters,
            "period": stats.period_of(filters.date_from, filters.date_to),
            "data": data,
            "with_links": scope.own_cases_only,
            "hidden_note": stats.hidden_note(),
        },
    )


@membership_required
def statistics(request):
    scope = _scope_or_404(request)
    template = "dashboards/statistics.html"
    form, refused = _filtered(request, scope, template, {})
    if refused:
        return refused
    filters = form.filters()
    suppress = stats.must_suppress(scope)
    figures = stats.statistics_for(scope, filters, suppress=suppress, with_links=scope.own_cases_only)
    _audit(request, "statistics", scope, filters)
    return render(
        request,
        template,
        {
            "form": form,
            "scope": scope,
            "filters": filters,
            "period": stats.period_of(filters.date_from, filters.date_to),
            "stats": figures,
            "export_params": filters.to_params(),
            "hidden_note": stats.hidden_note(),
        },
    )
