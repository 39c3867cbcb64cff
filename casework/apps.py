from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from casework import choices_cache
        from casework.models import Agency, AgencyKind, Country, Province

        for model in (Agency, AgencyKind, Country, Province):
            for signal in (post_save, post_delete):
                signal.connect(
                    choices_cache.invalidate, sender=model, dispatch_uid=f"choices.{model.__name__}.{id(signal)}"
                )
