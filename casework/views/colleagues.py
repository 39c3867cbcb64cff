"""An agency administrator's colleague pages (decisions 179–181): the list, invitations, a
colleague's memberships in her agency (end, restore, change of role), and the invitee's
page that sets the first password.

Only the agency the administrator acts for is in view: a person who never had a membership
there is a 404 (a `denied` row), and nothing about a colleague's other agencies is shown or
said. Other roles get 403 (a `refused` row, casework.views.account._admin_membership)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import account_tasks, audit
from casework.account_forms import ChangeRoleForm, InviteColleagueForm, SetPasswordForm
from casework.accounts import (
    MACHINE_ACCOUNT_MESSAGE,
    AccountError,
    do_change_role,
    do_end_colleague_membership,
    do_invite_colleague,
    do_restore_colleague_membership,
    invitation_tokens,
)
from casework.auth import recent_auth_required
from casework.lib.text import parse_pk
from casework.models import AuditEvent, Membership, Role, TwoFactorDevice, User
from casework.service_accounts import is_service_account, service_account_q
from casework.views.account import _admin_membership
from casework.views.common import membership_required


def _in_agency(membership: Membership, **filters):
    return Membership.objects.filter(agency=membership.agency_id, **filters)


@membership_required
def colleagues(request):
    """The agency's active members (roles here, second factor), its former members, and apart
    from both the service accounts of its partner systems' API clients, which are no staff."""
    admin = _admin_membership(request)
    roles_here = Prefetch(
        "memberships", queryset=_in_agency(admin, is_active=True).order_by("role"), to_attr="roles_here"
    )
    active = (
        User.objects.filter(Exists(_in_agency(admin, is_active=True, user=OuterRef("pk"))))
        .annotate(enrolled=Exists(TwoFactorDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)))
        .prefetch_related(roles_here)
        .order_by("full_name", "username")
    )
    former = (
        User.objects.filter(Exists(_in_agency(admin, user=OuterRef("pk"))))
        .exclude(Exists(_in_agency(admin, is_active=True, user=OuterRef("pk"))))
        .order_by("full_name", "username")
    )
    machine = service_account_q()
    service = (
        User.objects.filter(machine, Exists(_in_agency(admin, user=OuterRef("pk"))))
        .prefetch_related(roles_here)
        .order_by("full_name", "username")
    )
    context = {"colleagues": active.exclude(machine), "former": former.exclude(machine), "service_accounts": service}
    return render(request, "casework/account/colleagues.html", context)


def _colleague_or_404(request, admin: Membership, user_id) -> User:
    """Someone who has, or had, a membership in the admin's agency; anyone else is a 404."""
    pk = parse_pk(user_id)
    colleague = User.objects.filter(pk=pk, memberships__agency=admin.agency_id).distinct().first() if pk else None
    if colleague is None:
        audit.record(AuditEvent.Action.DENIED, actor=request.user, detail={"colleague": str(user_id)[:20]})
        raise Http404
    return colleague


def _membership_or_404(request, admin: Membership, membership_id) -> Membership:
    pk = parse_pk(membership_id)
    found = _in_agency(admin).select_related("user", "agency", "agency_group").filter(pk=pk).first() if pk else None
    if found is None:
        audit.record(AuditEvent.Action.DENIED, actor=request.user, detail={"membership": str(membership_id)[:20]})
        raise Http404
    return found


def _invitation_link(request, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return request.build_absolute_uri(reverse("casework:invitation", args=[uid, invitation_tokens.make_token(user)]))


@membership_required
@recent_auth_required
def invite(request):
    """A new colleague gets an account and an e-mailed link to choose a password; a person who
    already has an account (same username and e-mail) gets a membership here only."""
    admin = _admin_membership(request)
    form = InviteColleagueForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    user, created = do_invite_colleague(agency=admin.agency, actor=request.user, **data)
                    if created:
                        account_tasks.queue_invitation(user, _invitation_link(request, user))
                    else:
                        account_tasks.queue_notice(user, "membership_added")
            except AccountError as error:
                form.add_error(None, str(error))
            else:
                if created:
                    messages.success(
                        request,
                        _("%(name)s was invited. The e-mail's link works for %(hours)d hours.")
                        % {"name": user, "hours": settings.CAUNOI_INVITATION_HOURS},
                    )
                else:
                    messages.success(
                        request, _("%(username)s already had an account and now works for your agency too.") % data
                    )
                return redirect("casework:colleague", user_id=user.pk)
    return render(request, "casework/account/colleague_invite.html", {"form": form}, status=status)


@membership_required
def colleague(request, user_id):
    """One colleague's memberships in the admin's agency, with the changes she may make."""
    admin = _admin_membership(request)
    person = _colleague_or_404(request, admin, user_id)
    memberships = _in_agency(admin, user=person).select_related("agency").order_by("-is_active", "role")
    context = {
        "colleague": person,
        "memberships": memberships,
        "is_self": person.pk == request.user.pk,
        "pending_invitation": person.is_active and not person.has_usable_password(),
        "role_form": ChangeRoleForm(),
    }
    return render(request, "casework/account/colleague.html", context)


def _back(membership: Membership):
    return redirect("casework:colleague", user_id=membership.user_id)


def _membership_change(request, membership_id, action, done: str):
    """Run one account action on a colleague's membership of the admin's agency, then return to
    the colleague's page with `done` (or the refusal) as the message."""
    admin = _admin_membership(request)
    membership = _membership_or_404(request, admin, membership_id)
    try:
        action(membership, actor=request.user)
    except AccountError as error:
        messages.error(request, str(error))
        return _back(membership)
    messages.success(request, done % {"name": membership.user, "role": membership.get_role_display()})
    return _back(membership)


@membership_required
@recent_auth_required
@require_POST
def end_membership(request, membership_id):
    done = _("%(name)s no longer works for your agency as %(role)s.")
    return _membership_change(request, membership_id, do_end_colleague_membership, done)


@membership_required
@recent_auth_required
@require_POST
def restore_membership(request, membership_id):
    done = _("%(name)s works for your agency as %(role)s again.")
    return _membership_change(request, membership_id, do_restore_colleague_membership, done)


@membership_required
@recent_auth_required
@require_POST
def change_role(request, membership_id):
    admin = _admin_membership(request)
    membership = _membership_or_404(request, admin, membership_id)
    form = ChangeRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return _back(membership)
    try:
        do_change_role(membership, form.cleaned_data["role"], actor=request.user)
    except AccountError as error:
        messages.error(request, str(error))
        return _back(membership)
    messages.success(
        request,
        _("%(name)s now works for your agency as %(role)s.")
        % {"name": membership.user, "role": Role(form.cleaned_data["role"]).label},
    )
    return _back(membership)


@membership_required
@recent_auth_required
@require_POST
def resend_invitation(request, user_id):
    """A new link for an invitee who has not chosen a password yet (the old link expired)."""
    admin = _admin_membership(request)
    person = _colleague_or_404(request, admin, user_id)
    if is_service_account(person):
        messages.error(request, str(MACHINE_ACCOUNT_MESSAGE))
    elif not _in_agency(admin, user=person, is_active=True).exists() or not person.is_active:
        messages.error(request, _("Restore a membership before sending a new invitation."))
    elif person.has_usable_password():
        messages.error(request, _("This colleague has chosen a password already."))
    else:
        with transaction.atomic():
            audit.record(
                AuditEvent.Action.ACCOUNT,
                actor=request.user,
                obj=person,
                agency=admin.agency,
                detail={"event": "invitation_resent"},
            )
            account_tasks.queue_invitation(person, _invitation_link(request, person))
        messages.success(request, _("A new invitation was sent."))
    return redirect("casework:colleague", user_id=person.pk)


class InvitationConfirmView(auth_views.PasswordResetConfirmView):
    """The invitee's link: Django's reset-confirm view with the invitation tokens. It shows
    the username they sign in with and asks for a password that meets the validators."""

    form_class = SetPasswordForm
    token_generator = invitation_tokens
    template_name = "casework/account/invitation_confirm.html"
    success_url = reverse_lazy("casework:invitation-complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(
                AuditEvent.Action.ACCOUNT,
                actor=form.user,
                obj=form.user,
                username=form.user.get_username(),
                detail={"event": "invitation_accepted"},
            )
        return response


class InvitationCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "casework/account/invitation_complete.html"
