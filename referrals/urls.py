from django.urls import path

from referrals.views import minutes
from referrals.views import workflow as views

app_name = "referrals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("archive/", views.archive, name="archive"),
    path("assign/", views.assign_many, name="assign-many"),
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
]
