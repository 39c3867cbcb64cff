"""Exports and imports, mounted under `/dashboards/` beside the dashboard they are reached from
(`config/urls.py`): the addresses are those they had before the app was split out."""

from django.urls import path

from exchange.views import exports, imports

app_name = "exchange"

urlpatterns = [
    path("exports/", exports.export_list, name="exports"),
    path("exports/new/", exports.export_create, name="export-create"),
    path("exports/<uuid:job>/", exports.export_status, name="export-status"),
    path("exports/<uuid:job>/download/", exports.export_download, name="export-download"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_create, name="import-create"),
    path("imports/<uuid:job>/", imports.import_status, name="import-status"),
]
