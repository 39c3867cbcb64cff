from django.urls import path

from referrals.views import minutes
from referrals.views import workflow as views
from referrals.views.notifications import mark_all_read, mark_read, notification_list, open_notification

app_name = "referrals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("send/<uuid:code>/", views.send, name="send"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/assign/", views.assign, name="assign"),
    path("<uuid:code>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<uuid:code>/accept/", views.accept, name="accept"),
    path("<uuid:code>/decline/", views.decline, name="decline"),
    path("<uuid:code>/handover/", minutes.handover, name="handover"),
    path("<uuid:code>/minutes.pdf", minutes.minutes_pdf, name="minutes-pdf"),
    path("<uuid:code>/complete/", views.complete, name="complete"),
    path("<uuid:code>/cancel/", views.cancel, name="cancel"),
    path("<uuid:code>/redirect/", views.redirect_referral, name="redirect"),
    path("notifications/", notification_list, name="notifications"),
    path("notifications/<int:pk>/", open_notification, name="notification-open"),
    path("notifications/<int:pk>/read/", mark_read, name="notification-read"),
    path("notifications/read-all/", mark_all_read, name="notifications-read-all"),
]
