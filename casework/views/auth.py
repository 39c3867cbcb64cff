"""Sign-in with lockout, sign-out, and the agency switcher."""

import datetime
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import audit
from casework.forms import SignInForm
from casework.lib.text import parse_pk
from casework.middleware import SESSION_AUTH_AT_KEY, SESSION_MEMBERSHIP_COUNT_KEY, SESSION_MEMBERSHIP_KEY, client_ip
from casework.models import AuditEvent, Membership


def recent_failures(username: str, ip: str | None) -> int:
    """Failed sign-ins for this username from this IP within the lockout window, since the
    last successful one (QUALITY S5: keyed on both, expiring)."""
    since = timezone.now() - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    attempts = AuditEvent.objects.filter(username=username, ip=ip, at__gte=since)
    last_success = attempts.filter(action=AuditEvent.Action.LOGIN).values_list("at", flat=True).first()
    failures = attempts.filter(action=AuditEvent.Action.LOGIN_FAILED)
    if last_success:
        failures = failures.filter(at__gt=last_success)
    return failures.count()


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


def sign_in(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].lower()
        ip = client_ip(request)
        if recent_failures(username, ip) >= settings.LOGIN_FAILURE_LIMIT:
            audit.record(AuditEvent.Action.LOGIN_FAILED, username=username, detail={"locked": True})
            form.add_error(
                None,
                _("Too many failed attempts. Try again in %(minutes)s minutes.")
                % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
            status = 429
        else:
            user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
            if user is None:
                audit.record(AuditEvent.Action.LOGIN_FAILED, username=username)
                form.add_error(None, _("The username or password is not correct."))
                status = 401
            else:
                return _complete_sign_in(request, user, username)
    return render(request, "casework/sign_in.html", {"form": form, "next": _safe_next(request)}, status=status)


def _complete_sign_in(request, user, username: str):
    with transaction.atomic():
        login(request, user)
        request.session[SESSION_AUTH_AT_KEY] = time.time()
        memberships = list(Membership.objects.filter(user=user, is_active=True, agency__is_active=True)[:2])
        request.session[SESSION_MEMBERSHIP_COUNT_KEY] = len(memberships)
        if len(memberships) == 1:
            request.session[SESSION_MEMBERSHIP_KEY] = memberships[0].pk
        audit.record(
            AuditEvent.Action.LOGIN,
            actor=user,
            username=username,
            agency=memberships[0].agency if len(memberships) == 1 else None,
        )
    if not memberships and user.is_staff:
        return redirect("admin:index")
    if len(memberships) != 1:
        return redirect("casework:choose-agency")
    return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)


@require_POST
def sign_out(request):
    if request.user.is_authenticated:
        audit.record(AuditEvent.Action.LOGOUT, actor=request.user)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def choose_agency(request):
    memberships = Membership.objects.filter(user=request.user, is_active=True, agency__is_active=True).select_related(
        "agency", "agency__kind", "agency__province"
    )
    if request.method == "POST":
        chosen = memberships.filter(pk=parse_pk(request.POST.get("membership"))).first()
        if chosen is None:
            messages.error(request, _("Choose one of your agencies."))
            return render(request, "casework/choose_agency.html", {"memberships": memberships}, status=400)
        request.session[SESSION_MEMBERSHIP_KEY] = chosen.pk
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=request.user,
            obj=chosen,
            agency=chosen.agency,
            detail={"switched_to": chosen.role},
        )
        messages.success(request, _("You are now working as %(membership)s.") % {"membership": chosen})
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "casework/choose_agency.html", {"memberships": memberships})
