"""Sign-in with lockout, sign-out, and the agency switcher."""

import datetime
import math
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import audit
from casework.forms import SignInForm
from casework.lib.text import parse_pk
from casework.middleware import SESSION_AUTH_AT_KEY, SESSION_MEMBERSHIP_COUNT_KEY, SESSION_MEMBERSHIP_KEY, client_ip
from casework.models import AuditEvent, Membership

# detail["throttle"] of an attempt refused by the per-account throttle (its password was not
# checked); detail["locked"] marks every refused attempt.
ACCOUNT_LOCK = "account"


def recent_failures(username: str, ip: str | None) -> int:
    """Failed sign-ins for this username from this IP within the lockout window, since the
    last successful one (QUALITY S5: keyed on both, expiring). Attempts refused by the
    account throttle do not count: they were never checked."""
    since = timezone.now() - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    attempts = AuditEvent.objects.filter(username=username, ip=ip, at__gte=since)
    last_success = attempts.filter(action=AuditEvent.Action.LOGIN).values_list("at", flat=True).first()
    failures = attempts.filter(action=AuditEvent.Action.LOGIN_FAILED).exclude(detail__has_key="throttle")
    if last_success:
        failures = failures.filter(at__gt=last_success)
    return failures.count()


def address_failures(ip: str | None) -> int:
    """Passwords checked and refused from this IP for any username within the lockout window:
    one address guessing many accounts is locked out too."""
    since = timezone.now() - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return _checked_failures().filter(ip=ip, at__gte=since).count()


def account_cooldown(username: str, ip: str | None) -> int:
    """Seconds this account still refuses sign-in from this IP, whatever the IP (0: none).

    After LOGIN_ACCOUNT_FAILURE_LIMIT passwords checked and refused for the account within
    LOGIN_ACCOUNT_WINDOW_MINUTES (since its last successful sign-in), each attempt waits for a
    cool-down after the last of them: LOGIN_ACCOUNT_COOLDOWN_SECONDS, doubled per further
    failure, at most LOGIN_ACCOUNT_COOLDOWN_MAX_MINUTES. Refused attempts are not checked and
    do not count, so a guesser gets one guess per cool-down and cannot lengthen it beyond the
    cap; an address the account signed in from within LOGIN_KNOWN_ADDRESS_DAYS is not held up,
    so guesses from elsewhere cannot keep the user out."""
    now = timezone.now()
    since = now - datetime.timedelta(minutes=settings.LOGIN_ACCOUNT_WINDOW_MINUTES)
    successes = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, username=username)
    known_since = now - datetime.timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    if ip is not None and successes.filter(ip=ip, at__gte=known_since).exists():
        return 0
    failures = _checked_failures().filter(username=username, at__gte=since)
    last_success = successes.filter(at__gte=since).aggregate(last=Max("at"))["last"]
    if last_success:
        failures = failures.filter(at__gt=last_success)
    stats = failures.aggregate(count=Count("pk"), last=Max("at"))
    beyond = stats["count"] - settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    if beyond < 0:
        return 0
    cooldown = min(
        settings.LOGIN_ACCOUNT_COOLDOWN_SECONDS * 2 ** min(beyond, 32),
        settings.LOGIN_ACCOUNT_COOLDOWN_MAX_MINUTES * 60,
    )
    remaining = (stats["last"] + datetime.timedelta(seconds=cooldown) - now).total_seconds()
    return max(0, math.ceil(remaining))


def _checked_failures():
    """Failed sign-ins whose password was checked (not refused by a lockout)."""
    return AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).exclude(detail__has_key="locked")


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
    cooldown = 0
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].lower()
        ip = client_ip(request)
        if (
            recent_failures(username, ip) >= settings.LOGIN_FAILURE_LIMIT
            or address_failures(ip) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
        ):
            audit.record(AuditEvent.Action.LOGIN_FAILED, username=username, detail={"locked": True})
            form.add_error(
                None,
                _("Too many failed attempts. Try again in %(minutes)s minutes.")
                % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
            status = 429
        elif cooldown := account_cooldown(username, ip):
            audit.record(
                AuditEvent.Action.LOGIN_FAILED, username=username, detail={"locked": True, "throttle": ACCOUNT_LOCK}
            )
            form.add_error(
                None,
                _(
                    "Too many failed attempts for this account. Until %(time)s its password is not "
                    "checked, even a correct one. Try again then."
                )
                % {"time": time_format(timezone.localtime() + datetime.timedelta(seconds=cooldown), "H:i")},
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
    response = render(request, "casework/sign_in.html", {"form": form, "next": _safe_next(request)}, status=status)
    if cooldown:
        response["Retry-After"] = str(cooldown)
    return response


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
