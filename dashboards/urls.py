from django.urls import path

from dashboards.views import dashboard, exports, imports

app_name = "dashboards"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("statistics/", dashboard.statistics, name="statistics"),
    path("exports/", exports.export_list, name="exports"),
    path("exports/new/", exports.export_create, name="export-create"),
    path("exports/<uuid:job>/", exports.export_status, name="export-status"),
    path("exports/<uuid:job>/download/", exports.export_download, name="export-download"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_create, name="import-create"),
    path("imports/<uuid:job>/", imports.import_status, name="import-status"),
]
