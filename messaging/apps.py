from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from messaging.header_counts import notification_changed
        from messaging.models import Notification

        # The bell's unread count is cached per user and agency (decision 251).
        post_save.connect(notification_changed, sender=Notification, dispatch_uid="messaging.header_unread_save")
        post_delete.connect(notification_changed, sender=Notification, dispatch_uid="messaging.header_unread_delete")
