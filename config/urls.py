from django.contrib import admin
from django.urls import include, path

from config.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("casework.urls")),
]

handler404 = "casework.views.errors.not_found"
handler500 = "casework.views.errors.server_error"
