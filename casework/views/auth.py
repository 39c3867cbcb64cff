"""Sign-in with lockout, sign-out, and the agency switcher."""

import datetime
import math
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import audit, drafts, sessions, twofactor
from casework.account_tasks import queue_notice
from casework.forms import SignInForm
from casework.lib.text import parse_pk
from casework.middleware import (
    SESSION_AUTH_AT_KEY,
    SESSION_MEMBERSHIP_COUNT_KEY,
    SESSION_MEMBERSHIP_KEY,
    SESSION_PASSWORD_CHANGE_KEY,
    client_ip,
)
from casework.models import AuditEvent, Membership, User

# detail["throttle"] of an attempt refused by the per-account throttle (its password was not
# checked); detail["locked"] marks every refused attempt.
ACCOUNT_LOCK = "account"
# The user who gave the right password and still owes the second factor (never logged in yet).
SESSION_PENDING_KEY = "pending_sign_in"


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


def safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


def refuse_if_locked(username: str, ip: str | None) -> tuple[str, int] | None:
    """The refusal (message, seconds to wait or 0) of an attempt for this username from this
    address, audited, when a lockout or the account throttle holds; None when the attempt may
    be checked. Password and second-factor steps share it, so both count the same failures."""
    if (
        recent_failures(username, ip) >= settings.LOGIN_FAILURE_LIMIT
        or address_failures(ip) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
    ):
        audit.record(AuditEvent.Action.LOGIN_FAILED, username=username, detail={"locked": True})
        return (
            _("Too many failed attempts. Try again in %(minutes)s minutes.")
            % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            0,
        )
    if cooldown := account_cooldown(username, ip):
        audit.record(
            AuditEvent.Action.LOGIN_FAILED, username=username, detail={"locked": True, "throttle": ACCOUNT_LOCK}
        )
        return (
            _(
                "Too many failed attempts for this account. Until %(time)s its password is not "
                "checked, even a correct one. Try again then."
            )
            % {"time": time_format(timezone.localtime() + datetime.timedelta(seconds=cooldown), "H:i")},
            cooldown,
        )
    return None


def sign_in(request):
    if request.user.is_authenticated:
        return redirect(safe_next(request) or settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST or None)
    status = 200
    cooldown = 0
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].lower()
        if refusal := refuse_if_locked(username, client_ip(request)):
            message, cooldown = refusal
            form.add_error(None, message)
            status = 429
        else:
            user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
            if user is None:
                audit.record(AuditEvent.Action.LOGIN_FAILED, username=username)
                form.add_error(None, _("The username or password is not correct."))
                status = 401
            else:
                weak = not meets_password_rules(form.cleaned_data["password"], user)
                if twofactor.is_enrolled(user) or twofactor.enrolment_needed(user):
                    return start_second_step(request, user, username, safe_next(request), weak_password=weak)
                return redirect(complete_sign_in(request, user, username, safe_next(request), weak_password=weak))
    response = render(request, "casework/sign_in.html", {"form": form, "next": safe_next(request)}, status=status)
    if cooldown:
        response["Retry-After"] = str(cooldown)
    return response


def meets_password_rules(password: str, user) -> bool:
    """Whether the password given at sign-in passes today's rules (ASVS 2.1.7): a list that
    grew, or a longer minimum, catches a password set before."""
    try:
        validate_password(password, user)
    except ValidationError:
        return False
    return True


def start_second_step(request, user, username: str, next_url: str | None, *, weak_password: bool = False):
    """The password was right: remember who is half signed in (not `login()`), for a few
    minutes, and ask for the second factor, or for enrolment when there is none yet."""
    request.session.cycle_key()
    request.session[SESSION_PENDING_KEY] = {
        "user": user.pk,
        "username": username,
        "backend": user.backend,
        "at": time.time(),
        "next": next_url,
        "weak_password": weak_password,
    }
    if twofactor.is_enrolled(user):
        return redirect("casework:sign-in-code")
    return redirect("casework:sign-in-enrol")


def pending_sign_in(request) -> tuple[dict, object] | None:
    """The half-finished sign-in of this session and its user, unless it is missing or older
    than CAUNOI_TWO_FACTOR_PENDING_SECONDS."""
    pending = request.session.get(SESSION_PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > settings.CAUNOI_TWO_FACTOR_PENDING_SECONDS:
        request.session.pop(SESSION_PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        request.session.pop(SESSION_PENDING_KEY, None)
        return None
    user.backend = pending["backend"]
    return pending, user


def complete_sign_in(
    request, user, username: str, next_url: str | None, detail: dict | None = None, *, weak_password: bool = False
) -> str:
    """Log the user in (the only place that does), audited; returns where to go next. A
    password that no longer passes the rules (`weak_password`, here or noted at the password
    step before the second factor) must be changed before anything else."""
    with transaction.atomic():
        pending = request.session.pop(SESSION_PENDING_KEY, None)
        weak_password = weak_password or (isinstance(pending, dict) and bool(pending.get("weak_password")))
        login(request, user)
        request.session[SESSION_AUTH_AT_KEY] = time.time()
        if weak_password:
            request.session[SESSION_PASSWORD_CHANGE_KEY] = True
            detail = {**(detail or {}), "weak_password": True}
        memberships = list(Membership.objects.filter(user=user, is_active=True, agency__is_active=True)[:2])
        request.session[SESSION_MEMBERSHIP_COUNT_KEY] = len(memberships)
        if len(memberships) == 1:
            request.session[SESSION_MEMBERSHIP_KEY] = memberships[0].pk
        ip = client_ip(request)
        sessions.register(request, user, ip)
        if is_new_address(username, ip):
            queue_notice(user, "new_address")
        audit.record(
            AuditEvent.Action.LOGIN,
            actor=user,
            username=username,
            agency=memberships[0].agency if len(memberships) == 1 else None,
            detail=detail,
        )
    # Drafts untouched for CAUNOI_DRAFT_DAYS are purged now, besides the hourly task (decision 196).
    drafts.purge_expired(user=user)
    if weak_password:
        messages.warning(
            request,
            _(
                "Your password no longer meets the rules (it is too short, too common or too like "
                "your name). Choose a new one before you go on."
            ),
        )
        return reverse("casework:password-change")
    if not memberships and user.is_staff:
        return reverse("admin:index")
    if len(memberships) != 1:
        # The agency chooser passes on where the user was going (a draft's page after an expiry).
        chooser = reverse("casework:choose-agency")
        return f"{chooser}?{urlencode({'next': next_url})}" if next_url else chooser
    return next_url or resolve_url(settings.LOGIN_REDIRECT_URL)


def is_new_address(username: str, ip: str | None) -> bool:
    """The account has signed in before, never from this address (ASVS 2.2.3: the user is told)."""
    if ip is None:
        return False
    signed_in = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, username=username)
    return signed_in.exists() and not signed_in.filter(ip=ip).exists()


@require_POST
def sign_out(request):
    if request.user.is_authenticated:
        audit.record(AuditEvent.Action.LOGOUT, actor=request.user)
        sessions.forget(request.session.session_key)
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
            # Not one of the user's active memberships (another's, an ended one, or nonsense).
            audit.record(
                AuditEvent.Action.DENIED,
                actor=request.user,
                detail={"page": "choose-agency", "membership": parse_pk(request.POST.get("membership"))},
            )
            messages.error(request, _("Choose one of your agencies."))
            context = {"memberships": memberships, "next": safe_next(request)}
            return render(request, "casework/choose_agency.html", context, status=400)
        request.session[SESSION_MEMBERSHIP_KEY] = chosen.pk
        audit.record(
            AuditEvent.Action.UPDATE,
            actor=request.user,
            obj=chosen,
            agency=chosen.agency,
            detail={"switched_to": chosen.role},
        )
        messages.success(request, _("You are now working as %(membership)s.") % {"membership": chosen})
        return redirect(safe_next(request) or settings.LOGIN_REDIRECT_URL)
    return render(request, "casework/choose_agency.html", {"memberships": memberships, "next": safe_next(request)})
