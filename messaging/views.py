"""The user's notifications: the list, marking one read (and going to it), marking all read.
A notification belongs to its recipient acting for its agency; any other is a 404. The paths
stayed under /referrals/notifications/ when they moved to messaging (decision 144)."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from casework.models import AuditEvent, SensitivityClass
from casework.views.common import membership_required, record_read
from messaging import header_counts
from messaging.notify import my_notifications, notification_text

PAGE_SIZE = 25


@membership_required
@require_GET
def notification_list(request):
    page = Paginator(my_notifications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for notification in page:
        notification.text = notification_text(notification)
    record_read(
        request,
        AuditEvent.Action.LIST,
        classes=[SensitivityClass.CORE],
        detail={"page": "notifications", "shown": len(page.object_list), "page_number": page.number},
    )
    return render(request, "messaging/notifications.html", {"page": page})


def _read_and_follow(request, pk: int):
    notification = get_object_or_404(my_notifications(request.user), pk=pk)
    # Opening one shows where it leads; its own text was on the audited list.
    record_read(request, obj=notification, classes=[SensitivityClass.CORE], detail={"kind": notification.kind})
    my_notifications(request.user).filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    header_counts.forget_unread(request.user.pk, notification.agency_id)
    # Only a path on this site: a stored URL must never send the reader elsewhere.
    local = (
        notification.url.startswith("/")
        and not notification.url.startswith("//")
        and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None, require_https=request.is_secure())
    )
    return redirect(notification.url if local else "messaging:notifications")


@membership_required
@require_POST
def mark_read(request, pk: int):
    return _read_and_follow(request, pk)


@membership_required
@require_GET
def open_notification(request, pk: int):
    """A notification is a link: following it marks it read and opens its referral, case or
    stay. Only the recipient's own notification of the active agency; any other is a 404."""
    return _read_and_follow(request, pk)


@membership_required
@require_POST
def mark_all_read(request):
    my_notifications(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    header_counts.forget_unread(request.user.pk, request.user.active_membership.agency_id)
    return redirect("messaging:notifications")
