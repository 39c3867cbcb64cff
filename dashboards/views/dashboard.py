"""The supervisor dashboard and the official statistics pages."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from casework import audit
from casework.access import active_membership, deny
from casework.lib.kept_markup import KeptMarkup
from casework.lib.replica import replica_reads
from casework.models import AuditEvent
from casework.views.common import membership_required
from dashboards import cache, overview, periods, stats
from dashboards.forms import PeriodFilterForm
from dashboards.scope import Scope


def _scope_or_404(request) -> tuple[Scope, str]:
    """The scope of the viewer's dashboards and the role she acts in (her mandate)."""
    membership = active_membership(request.user)
    scope = Scope.for_membership(membership)
    if scope is None:
        deny(request.user, {"page": request.resolver_match.url_name})
    return scope, membership.role


# The period, province and agency filters are the same for everyone of a scope who sends the
# same values: about 350 agencies at national scale, kept rather than rebuilt (decision 319).
filter_forms = KeptMarkup(size=64)


def _filter_form_markup(page: str, form: PeriodFilterForm, scope: Scope, suppress: bool) -> SafeString:
    def render_form() -> SafeString:
        return render_to_string("dashboards/_filters.html", {"form": form})

    if form.errors:  # what was typed and what is wrong with it: never kept
        return render_form()
    sent = tuple((name, tuple(form.data.getlist(name))) for name in form.fields) if form.is_bound else ()
    # The page names the initial period an unbound form shows (the dashboard's last 12 months).
    key = (page, cache.scope_topic(scope), suppress, timezone.localdate(), sent)
    return filter_forms.get(key, render_form)


def _audit(request, page: str, scope: Scope, filters) -> None:
    audit.record(
        AuditEvent.Action.VIEW,
        actor=request.user,
        detail={"page": page, "scope": scope.level, "filters": filters.to_params()},
    )


def _page(request, page: str, *, initial: dict | None = None, default_period=(None, None), figures):
    """Filter, compute and render one of the two pages. A bad filter answers 400 with the
    form and what was typed; otherwise `figures(scope, filters, suppress)` gives the page's
    own context, and the view is audited. Suppressed figures come only for whole calendar
    periods that have ended, last month by default (decision 171)."""
    scope, role = _scope_or_404(request)
    template = f"dashboards/{page}.html"
    suppress = stats.must_suppress(scope, role=role)
    if suppress:
        default_period = periods.last_month(timezone.localdate())
        initial = None
    form = PeriodFilterForm(request.GET or None, scope=scope, initial=initial, fixed_periods=suppress)
    if request.GET and not form.is_valid():
        context = {
            "form": form,
            "filter_form": _filter_form_markup(page, form, scope, suppress),
            "scope": scope,
            "invalid": True,
        }
        return render(request, template, context, status=400)
    filters = form.filters(*default_period)
    filter_form = _filter_form_markup(page, form, scope, suppress)
    try:
        # The figures only: who may see them was decided above on the primary (decision 260).
        with replica_reads(page):
            context = figures(scope, filters, suppress)
    except cache.FiguresUnavailable:
        # The cache does not answer: say so rather than show a zero or recompute the
        # country's figures on every request while Redis is down (decision 243).
        response = render(
            request,
            template,
            {"form": form, "filter_form": filter_form, "scope": scope, "unavailable": True},
            status=503,
        )
        response["Retry-After"] = "30"
        return response
    _audit(request, page, scope, filters)
    return render(
        request,
        template,
        {
            "form": form,
            "filter_form": filter_form,
            "scope": scope,
            "filters": filters,
            "period": stats.period_of(filters.date_from, filters.date_to),
            "hidden_note": stats.hidden_note(),
            # True figures beyond the agency's own cases: say they are not for sharing.
            "internal_note": not suppress and not scope.own_cases_only,
            **context,
        },
    )


@membership_required
def dashboard(request):
    today = timezone.localdate()
    start, end = overview.default_period(today)

    def figures(scope, filters, suppress):
        data = overview.build(scope, filters, suppress=suppress, today=today)
        return {"data": data, "with_links": scope.own_cases_only}

    return _page(
        request, "dashboard", initial={"date_from": start, "date_to": end}, default_period=(start, end), figures=figures
    )


@membership_required
def statistics(request):
    def figures(scope, filters, suppress):
        found = cache.cached(
            "statistics",
            scope,
            {"filters": filters.to_params(), "suppress": suppress},
            lambda: stats.statistics_for(scope, filters, suppress=suppress, with_links=scope.own_cases_only),
        )
        return {"stats": found, "export_params": filters.to_params()}

    return _page(request, "statistics", figures=figures)
