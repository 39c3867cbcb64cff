from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards"

    def ready(self):
        from dashboards import invalidation

        invalidation.connect()
