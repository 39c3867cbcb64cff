from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from casework import (  # noqa: F401 (registers the checks and tasks)
            access,
            account_tasks,
            checks,
            choices_cache,
            search_name_triggers,
        )
        from casework.lib import choice_labels
        from casework.models import Agency, AgencyKind, Country, EthnicGroup, FormerProvince, Membership, Province, User

        # Membership: the assignment form offers the owning agency's caseworkers from the cache.
        for model in (Agency, AgencyKind, Country, EthnicGroup, FormerProvince, Province, Membership):
            for signal in (post_save, post_delete):
                signal.connect(
                    choices_cache.invalidate, sender=model, dispatch_uid=f"choices.{model.__name__}.{id(signal)}"
                )
        post_save.connect(_user_saved, sender=User, dispatch_uid="choices.User.save")
        post_delete.connect(choices_cache.invalidate, sender=User, dispatch_uid="choices.User.delete")
        # A flush or a migration recreates the permission rows under new ids.
        post_migrate.connect(access.forget_permission_ids, dispatch_uid="access.permission_ids")
        # A data migration writes reference rows through historical models, which send no
        # signal the receivers above hear.
        post_migrate.connect(choices_cache.invalidate, dispatch_uid="choices.migrate")
        # SQLite drops a table's triggers when a migration rebuilds it: the cases' copy of the
        # person's search name is kept by triggers (decision 335).
        post_migrate.connect(search_name_triggers.ensure, sender=self, dispatch_uid="casework.search_name_triggers")
        # get_FOO_display() from a table built once per field (every model is loaded by now).
        choice_labels.install()


def _user_saved(sender, update_fields=None, **kwargs):
    """A user's name shows in the caseworker options; a sign-in (last_login) changes nothing."""
    from casework import choices_cache

    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return
    choices_cache.invalidate()
