from django.urls import path

from dashboards.views import dashboard

app_name = "dashboards"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("statistics/", dashboard.statistics, name="statistics"),
]
