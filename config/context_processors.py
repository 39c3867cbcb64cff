"""The page header's context: the active membership and what the header shows for it.

It lives in `config` because the header composes every app (case registration from casework,
the inbox count from referrals, the dashboard link from dashboards); no app may import the
apps above it (docs/architecture.md, "Direction of imports").
"""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from casework.access import may_register_cases
from casework.middleware import SESSION_MEMBERSHIP_COUNT_KEY
from casework.models import Role
from dashboards.scope import DASHBOARD_ROLES
from referrals.access import header_counts


def active_membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(user, "active_membership", None)
    context = {
        "active_membership": membership,
        "has_several_memberships": request.session.get(SESSION_MEMBERSHIP_COUNT_KEY, 0) > 1,
        "idle_seconds": settings.SESSION_IDLE_SECONDS,
    }
    if membership is not None:
        context["has_dashboards"] = membership.role in DASHBOARD_ROLES
        context["has_imports"] = membership.role == Role.AGENCY_ADMIN
        context["may_register"] = may_register_cases(user)

        # Lazy: counted once, and only by pages that show the header (not htmx partials).
        counts = SimpleLazyObject(lambda: header_counts(user))
        context["inbox_count"] = SimpleLazyObject(lambda: counts["inbox"])
        context["unread_count"] = SimpleLazyObject(lambda: counts["unread"])
    return context
