"""The sign-in's second step and enrolment, re-authentication, a colleague's second factor,
and the password pages (decisions 150–154)."""

import datetime
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework import audit, sessions, twofactor
from casework.account_forms import (
    EnrolForm,
    PasswordChangeForm,
    PasswordResetForm,
    ReauthenticateForm,
    SecondFactorForm,
    SetPasswordForm,
)
from casework.account_tasks import queue_notice
from casework.auth import SESSION_REAUTH_AT_KEY, recent_auth_required
from casework.lib import totp
from casework.lib.text import parse_pk
from casework.middleware import SESSION_PASSWORD_CHANGE_KEY, client_ip
from casework.models import AuditEvent, Membership, Role, TwoFactorDevice, User, UserSession
from casework.service_accounts import service_account_q
from casework.views.auth import (
    SESSION_PENDING_KEY,
    complete_sign_in,
    pending_sign_in,
    refuse_if_locked,
    safe_next,
)
from casework.views.common import membership_required

ISSUER = "Cầu Nối"


def _restart(request):
    messages.info(request, _("Please sign in again."))
    return redirect("casework:login")


def _refused(request, template: str, context: dict, message: str, cooldown: int):
    """A locked-out second step: the half sign-in is dropped, the password is asked again."""
    request.session.pop(SESSION_PENDING_KEY, None)
    context["form"].add_error(None, message)
    response = render(request, template, context, status=429)
    if cooldown:
        response["Retry-After"] = str(cooldown)
    return response


def _code_failed(username: str, **detail) -> None:
    """A wrong second factor counts like a wrong password (same rows, same lockouts)."""
    audit.record(AuditEvent.Action.LOGIN_FAILED, username=username, detail={"second_factor": True, **detail})


@never_cache
def sign_in_code(request):
    """Second step: a code from the authenticator, or one recovery code."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    found = pending_sign_in(request)
    if found is None:
        return _restart(request)
    pending, user = found
    if not twofactor.is_enrolled(user):
        return redirect("casework:sign-in-enrol")
    form = SecondFactorForm(request.POST or None)
    context = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        username = pending["username"]
        if refusal := refuse_if_locked(username, client_ip(request)):
            return _refused(request, "casework/account/sign_in_code.html", context, *refusal)
        method = twofactor.verify_second_factor(user, form.cleaned_data["code"])
        if method is None:
            _code_failed(username)
            form.add_error(None, _("The code is not correct, or it has been used already."))
            status = 401
        else:
            target = complete_sign_in(request, user, username, pending.get("next"), {"second_factor": method})
            if method == "recovery":
                left = twofactor.remaining_recovery_codes(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code. %(count)d is left.",
                        "You used a recovery code. %(count)d are left.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(target)
    return render(request, "casework/account/sign_in_code.html", context, status=status)


def _qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, drawn here: nothing is fetched from elsewhere."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", title=_("QR code to scan"))
    return mark_safe(svg)  # noqa: S308 — segno's own markup from our data, no user input


@never_cache
def sign_in_enrol(request):
    """First sign-in without an authenticator: scan or type the secret, confirm with a code,
    then see the recovery codes once."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    found = pending_sign_in(request)
    if found is None:
        return _restart(request)
    pending, user = found
    if twofactor.is_enrolled(user):
        return redirect("casework:sign-in-code")

    def confirmed():
        return complete_sign_in(request, user, pending["username"], pending.get("next"), {"second_factor": "enrolled"})

    return _enrol(request, user, pending["username"], confirmed)


@never_cache
@login_required
@recent_auth_required
def two_factor_setup(request):
    """Setting up an authenticator while signed in, before it is required."""
    if twofactor.is_enrolled(request.user):
        return redirect("casework:account")
    return _enrol(request, request.user, request.user.get_username().lower(), lambda: reverse("casework:account"))


def _enrol(request, user, username: str, confirmed):
    """The enrolment page: QR code and key of the unconfirmed device, confirmed by a code;
    `confirmed()` runs after the device is confirmed and returns where to continue."""
    device = twofactor.pending_device(user)
    secret = twofactor.unseal(device.sealed_secret)
    form = EnrolForm(request.POST or None)
    context = {
        "form": form,
        "qr": _qr_svg(totp.provisioning_uri(secret, account=user.get_username(), issuer=ISSUER)),
        "secret": totp.grouped(secret),
        "signed_in": request.user.is_authenticated,
    }
    status = 200
    if request.method == "POST" and form.is_valid():
        if refusal := refuse_if_locked(username, client_ip(request)):
            return _refused(request, "casework/account/enrol.html", context, *refusal)
        codes = twofactor.confirm_device(device, form.cleaned_data["code"], actor=user)
        if codes is None:
            _code_failed(username, enrolment=True)
            form.add_error(None, _("The code is not correct. Check the time on your phone and try the next code."))
            status = 401
        else:
            queue_notice(user, "two_factor_enrolled")
            target = confirmed()
            return render(request, "casework/account/recovery_codes.html", {"codes": codes, "continue_url": target})
    return render(request, "casework/account/enrol.html", context, status=status)


@login_required
def account(request):
    device = twofactor.confirmed_device(request.user)
    context = {
        "device": device,
        "recovery_left": twofactor.remaining_recovery_codes(request.user) if device else 0,
        "required": settings.CAUNOI_REQUIRE_2FA,
        "sessions": [
            (row, sessions.describe_browser(row.user_agent), row.session_key == request.session.session_key)
            for row in sessions.open_sessions(request.user)
        ],
    }
    return render(request, "casework/account/account.html", context)


@login_required
@recent_auth_required
@require_POST
def end_session(request, session_id):
    """End one of the user's own sessions (another's, or nonsense, is a 404)."""
    row = get_object_or_404(UserSession, pk=parse_pk(session_id) or 0, user=request.user)
    if row.session_key == request.session.session_key:
        raise Http404  # this session ends with "Sign out"
    sessions.end_sessions(request.user, [row], actor=request.user, reason="ended_by_user")
    messages.success(request, _("The session was ended."))
    return redirect("casework:account")


@login_required
@recent_auth_required
@require_POST
def end_other_sessions(request):
    ended = sessions.end_other_sessions(request, reason="ended_by_user")
    messages.success(
        request,
        ngettext("%(count)d other session was ended.", "%(count)d other sessions were ended.", ended)
        % {"count": ended},
    )
    return redirect("casework:account")


@login_required
@recent_auth_required
@require_POST
def new_recovery_codes(request):
    if not twofactor.is_enrolled(request.user):
        raise Http404
    with transaction.atomic():
        codes = twofactor.replace_recovery_codes(request.user)
        audit.record(
            AuditEvent.Action.ACCOUNT, actor=request.user, obj=request.user, detail={"event": "recovery_codes_replaced"}
        )
        queue_notice(request.user, "recovery_codes_replaced")
    return render(
        request, "casework/account/recovery_codes.html", {"codes": codes, "continue_url": reverse("casework:account")}
    )


@login_required
def reauthenticate(request):
    """The password, and the second factor when enrolled, again; then back to `next`."""
    user = request.user
    enrolled = twofactor.is_enrolled(user)
    form = ReauthenticateForm(request.POST or None, with_code=enrolled)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = user.get_username().lower()
        if refusal := refuse_if_locked(username, client_ip(request)):
            form.add_error(None, refusal[0])
            status = 429
        elif not user.check_password(form.cleaned_data["password"]):
            audit.record(AuditEvent.Action.LOGIN_FAILED, actor=user, username=username, detail={"reauth": True})
            form.add_error(None, _("The password is not correct."))
            status = 401
        elif enrolled and twofactor.verify_second_factor(user, form.cleaned_data["code"]) is None:
            _code_failed(username, reauth=True)
            form.add_error(None, _("The code is not correct, or it has been used already."))
            status = 401
        else:
            request.session[SESSION_REAUTH_AT_KEY] = time.time()
            audit.record(AuditEvent.Action.ACCOUNT, actor=user, obj=user, detail={"event": "reauthenticated"})
            return redirect(safe_next(request) or settings.LOGIN_REDIRECT_URL)
    context = {"form": form, "next": safe_next(request), "minutes": settings.CAUNOI_REAUTH_MINUTES}
    return render(request, "casework/account/reauthenticate.html", context, status=status)


def _admin_membership(request) -> Membership:
    """The active membership when it is an agency administrator's; otherwise a `refused` row
    and 403."""
    membership = request.user.active_membership
    if membership.role != Role.AGENCY_ADMIN:
        audit.record(
            AuditEvent.Action.REFUSED,
            actor=request.user,
            detail={"reason": "not_agency_admin", "path": request.path[:200]},
        )
        raise PermissionDenied
    return membership


def _colleagues(membership: Membership):
    """People with an active membership in the admin's agency (the admin included); a partner
    system's service account is no person and has no second step to reset."""
    return (
        User.objects.filter(memberships__agency=membership.agency_id, memberships__is_active=True)
        .exclude(service_account_q())
        .distinct()
        .annotate(
            enrolled=Exists(TwoFactorDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)),
        )
        .order_by("full_name", "username")
    )


@membership_required
@recent_auth_required
@require_POST
def reset_colleague_two_factor(request, user_id):
    """Remove a colleague's authenticator (a lost phone): they enrol again at their next
    sign-in. Only for colleagues of the admin's active agency; anyone else is a 404."""
    membership = _admin_membership(request)
    colleague = get_object_or_404(_colleagues(membership), pk=parse_pk(user_id))
    if colleague.pk == request.user.pk:
        messages.error(request, _("Ask another administrator to reset your own second step."))
        return redirect("casework:colleagues")
    twofactor.reset_second_factor(colleague, actor=request.user, agency=membership.agency)
    queue_notice(colleague, "two_factor_reset")
    messages.success(
        request,
        _("The second step of %(name)s was reset. They set it up again when they next sign in.") % {"name": colleague},
    )
    return redirect("casework:colleagues")


@login_required
def password_change(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    status = 200
    refusal = None
    if request.method == "POST":
        username = user.get_username().lower()
        if refusal := refuse_if_locked(username, client_ip(request)):
            # Nothing is checked, the old password included.
            status = 429
        elif form.is_valid():
            with transaction.atomic():
                form.save()
                old_key = request.session.session_key
                update_session_auth_hash(request, user)
                sessions.rekey(request, old_key)
                # The other sessions no longer pass the password check: end them now.
                sessions.end_other_sessions(request, reason="password_changed")
                request.session.pop(SESSION_PASSWORD_CHANGE_KEY, None)
                audit.record(AuditEvent.Action.ACCOUNT, actor=user, obj=user, detail={"event": "password_changed"})
                queue_notice(user, "password_changed")
            messages.success(request, _("Your password has been changed."))
            return redirect("casework:account")
        else:
            if form.has_error("old_password", "password_incorrect"):
                audit.record(
                    AuditEvent.Action.LOGIN_FAILED, actor=user, username=username, detail={"password_change": True}
                )
            status = 400
    context = {"form": form, "refusal": refusal[0] if refusal else None}
    return render(request, "casework/account/password_change.html", context, status=status)


def email_digest(email: str) -> str:
    """A keyed digest of an e-mail address, to count reset requests without storing it."""
    return salted_hmac("caunoi.password-reset-email", email.strip().lower()).hexdigest()[:32]


def _reset_requests(**filters) -> int:
    since = timezone.now() - datetime.timedelta(hours=1)
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCOUNT, detail__event="password_reset_requested", at__gte=since, **filters
    ).count()


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer whether or not the address has an account; at most
    PASSWORD_RESET_ADDRESS_LIMIT requests an hour from one client address and
    PASSWORD_RESET_EMAIL_LIMIT for one e-mail address (beyond them nothing is sent)."""

    form_class = PasswordResetForm
    template_name = "casework/account/password_reset.html"
    email_template_name = "casework/account/password_reset_email.txt"
    subject_template_name = "casework/account/password_reset_subject.txt"
    success_url = reverse_lazy("casework:password-reset-done")

    def form_valid(self, form):
        ip = client_ip(self.request)
        digest = email_digest(form.cleaned_data["email"])
        throttled = (
            _reset_requests(ip=ip) >= settings.PASSWORD_RESET_ADDRESS_LIMIT
            or _reset_requests(detail__email=digest) >= settings.PASSWORD_RESET_EMAIL_LIMIT
        )
        audit.record(
            AuditEvent.Action.ACCOUNT,
            detail={"event": "password_reset_requested", "email": digest, "throttled": throttled},
        )
        if throttled:
            return redirect(self.success_url)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "casework/account/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "casework/account/password_reset_confirm.html"
    success_url = reverse_lazy("casework:password-reset-complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(
                AuditEvent.Action.ACCOUNT,
                actor=form.user,
                obj=form.user,
                username=form.user.get_username(),
                detail={"event": "password_reset"},
            )
            queue_notice(form.user, "password_reset")
            sessions.end_sessions(
                form.user, UserSession.objects.filter(user=form.user), actor=form.user, reason="password_reset"
            )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "casework/account/password_reset_complete.html"
