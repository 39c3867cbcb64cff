"""Mounted at /referrals/notifications/ (config/urls.py): the paths did not change when the
views moved from referrals (decision 144)."""

from django.urls import path

from messaging.views import mark_all_read, mark_read, notification_list, open_notification

app_name = "messaging"

urlpatterns = [
    path("", notification_list, name="notifications"),
    path("<int:pk>/", open_notification, name="notification-open"),
    path("<int:pk>/read/", mark_read, name="notification-read"),
    path("read-all/", mark_all_read, name="notifications-read-all"),
]
