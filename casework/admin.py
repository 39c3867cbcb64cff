"""Admin for reference data, agencies and staff. Case data is deliberately not here: every
look at a case must go through access.py and leave an audit row."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework import actions, audit, twofactor
from casework.account_tasks import queue_notice
from casework.forms import GuardedForm
from casework.models import (
    Agency,
    AgencyKind,
    AuditEvent,
    Country,
    EthnicGroup,
    FormerProvince,
    Membership,
    PicklistValue,
    Province,
    StatusDeadline,
    User,
)


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "kind"]
    search_fields = ["code", "name", "name_en"]


@admin.register(FormerProvince)
class FormerProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "successor"]
    list_filter = ["successor"]
    search_fields = ["code", "name", "name_en"]


@admin.register(EthnicGroup)
class EthnicGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "is_majority"]
    search_fields = ["name", "name_en"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["alpha2", "alpha3", "name", "name_en", "common_destination_order"]
    list_editable = ["common_destination_order"]
    search_fields = ["alpha2", "name", "name_en"]


@admin.register(PicklistValue)
class PicklistValueAdmin(admin.ModelAdmin):
    list_display = ["list_name", "code", "name", "name_en", "is_active"]
    list_filter = ["list_name", "is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(AgencyKind)
class AgencyKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "may_identify", "identification_basis", "sort_order"]


@admin.register(StatusDeadline)
class StatusDeadlineAdmin(admin.ModelAdmin):
    list_display = ["status", "hours", "legal_basis"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "is_active"]
    extra = 0
    can_delete = False
    autocomplete_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "province", "coordinates_province", "statistics_scope", "is_active"]
    list_filter = ["kind", "is_active", "coordinates_province", "statistics_scope", "province"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        actions.do_ensure_agency_groups(obj)


class MembershipAdminForm(GuardedForm, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "agency", "role", "is_active"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("is_active", True):
            raise forms.ValidationError(_("A new membership must be active."))
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "is_active"]
    list_filter = ["role", "is_active", "agency__kind"]
    search_fields = ["user__username", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    fields = ["user", "agency", "role", "is_active"]
    form = MembershipAdminForm

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # A different role or agency is a different membership: end this one, add another.
        return ["user", "agency", "role"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Memberships and their groups change only through actions.
        if obj.is_active:
            actions.do_add_membership(obj.user, obj.agency, obj.role, actor=request.user)
        else:
            actions.do_end_membership(Membership.objects.get(pk=obj.pk), actor=request.user)


# Flags whose new value the audit row states, not only that they changed.
USER_FLAGS = ("is_active", "is_staff", "is_superuser")


def changed_fields(form) -> list[str]:
    """The names of the fields the admin form changed; never a password or its hash."""
    return sorted(name for name in form.changed_data if "password" not in name)


class AuditedAdminMixin:
    """Every add, change and delete made in the admin leaves an AuditEvent row (Django's own
    admin log is editable and is not the audit log, decision 173). Recorded in save_related,
    after the many-to-many fields (groups, permissions) are saved, so the row names them."""

    def audit_detail(self, obj, form) -> dict:
        return {}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        audit.record(
            AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            obj=form.instance,
            detail={"admin": True, "fields": changed_fields(form), **self.audit_detail(form.instance, form)},
        )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._audit_delete(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._audit_delete(request, obj)
            super().delete_queryset(request, queryset)

    def _audit_delete(self, request, obj):
        # There is no "deleted" action: removing an account or group takes its access away.
        audit.record(AuditEvent.Action.REVOKE, actor=request.user, obj=obj, detail={"admin": True, "deleted": str(obj)})


@admin.register(User)
class CauNoiUserAdmin(AuditedAdminMixin, UserAdmin):
    actions = ["reset_two_factor"]

    def audit_detail(self, obj, form) -> dict:
        detail: dict = {flag: getattr(obj, flag) for flag in USER_FLAGS if flag in form.changed_data}
        if "groups" in form.changed_data:
            detail["groups"] = sorted(obj.groups.values_list("name", flat=True))
        if "user_permissions" in form.changed_data:
            detail["user_permissions"] = sorted(obj.user_permissions.values_list("codename", flat=True))
        return detail

    def user_change_password(self, request, id, form_url=""):
        """The admin's "set password" form: audited when the new password was saved (a
        redirect); the row never holds the password or its hash."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            audit.record(
                AuditEvent.Action.ACCOUNT,
                actor=request.user,
                obj=user,
                detail={
                    "event": "password_set_by_admin",
                    "admin": True,
                    "target": user.get_username(),
                    # False: the admin switched password sign-in off for this account.
                    "usable": user.has_usable_password(),
                },
            )
        return response

    @admin.action(description=_("Reset the second sign-in step (they set it up again at their next sign-in)"))
    def reset_two_factor(self, request, queryset):
        """For the platform superuser; agency administrators use their colleagues page."""
        if not request.user.is_superuser:
            raise PermissionDenied
        for user in queryset:
            twofactor.reset_second_factor(user, actor=request.user)
            queue_notice(user, "two_factor_reset")
        self.message_user(request, _("Second sign-in step reset for %(count)d users.") % {"count": len(queryset)})


admin.site.unregister(Group)


@admin.register(Group)
class CauNoiGroupAdmin(AuditedAdminMixin, GroupAdmin):
    def audit_detail(self, obj, form) -> dict:
        if "permissions" not in form.changed_data:
            return {}
        return {"permissions": sorted(obj.permissions.values_list("codename", flat=True))}


admin.site.site_header = "Cầu Nối"
