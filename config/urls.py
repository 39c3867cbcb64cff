from django.contrib import admin
from django.urls import include, path

from config.views import admin_login, favicon, healthz
from referrals.views.summary import case_summary_pdf
from referrals.views.today import today

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin has no lockout or audit of its own: every sign-in goes through casework's.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    # The machine interface for partner systems (docs/api.md): /api/v1/..., /api/schema.
    path("api/", include("api.urls")),
    # The landing page after sign-in; `/` stays the case list.
    path("today/", today, name="today"),
    # Notifications kept their paths under /referrals/ when they moved to messaging.
    path("referrals/notifications/", include("messaging.urls")),
    path("referrals/", include("referrals.urls")),
    path("shelters/", include("shelters.urls")),
    path("dashboards/", include("dashboards.urls")),
    # Exports and imports keep the addresses they had under the dashboards (decision 146).
    path("dashboards/", include("exchange.urls")),
    # The printed case summary combines the sections of several apps, so referrals serves it
    # under the case's own address (decision 208).
    path("cases/<uuid:code>/summary.pdf", case_summary_pdf, name="case-summary-pdf"),
    path("", include("support.urls")),
    path("", include("casework.urls")),
]

handler400 = "casework.views.errors.bad_request"
handler403 = "casework.views.errors.forbidden"
handler404 = "casework.views.errors.not_found"
handler500 = "casework.views.errors.server_error"
