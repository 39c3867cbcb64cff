from django.apps import AppConfig


class SheltersConfig(AppConfig):
    name = "shelters"
    verbose_name = "Shelters"

    def ready(self):
        from casework.support import register_day_source
        from shelters.support import essential_need_days

        register_day_source(essential_need_days)
