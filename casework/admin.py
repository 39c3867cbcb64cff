"""Admin for reference data, agencies and staff. Case data is deliberately not here: every
look at a case must go through access.py and leave an audit row."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from casework import actions, twofactor
from casework.account_tasks import queue_notice
from casework.forms import GuardedForm
from casework.models import (
    Agency,
    AgencyKind,
    CalendarDay,
    Country,
    EligibilityRule,
    EthnicGroup,
    FormerProvince,
    ItemRate,
    Membership,
    PicklistValue,
    Province,
    StandardLevel,
    StatusDeadline,
    SupportItem,
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
    list_display = ["alpha2", "alpha3", "name", "name_en"]
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


@admin.register(User)
class CauNoiUserAdmin(UserAdmin):
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset the second sign-in step (they set it up again at their next sign-in)"))
    def reset_two_factor(self, request, queryset):
        """For the platform superuser; agency administrators use their colleagues page."""
        if not request.user.is_superuser:
            raise PermissionDenied
        for user in queryset:
            twofactor.reset_second_factor(user, actor=request.user)
            queue_notice(user, "two_factor_reset")
        self.message_user(request, _("Second sign-in step reset for %(count)d users.") % {"count": len(queryset)})


admin.site.site_header = "Cầu Nối"


class EligibilityRuleInline(admin.TabularInline):
    model = EligibilityRule
    fields = ["person_statuses", "nationality", "whereabouts", "case_by_case", "reason", "reason_en"]
    extra = 0


class ItemRateInline(admin.TabularInline):
    """Amounts an administrator enters from the text in force; none are shipped where DOMAIN.md
    marks them unverified."""

    model = ItemRate
    fields = ["province", "effective_from", "amount_vnd", "coefficient", "legal_basis"]
    extra = 1


@admin.register(SupportItem)
class SupportItemAdmin(admin.ModelAdmin):
    list_display = ["code", "regime", "point", "name", "amount_kind", "cap_days", "is_active"]
    list_filter = ["regime", "amount_kind", "is_active"]
    search_fields = ["code", "name", "name_en", "legal_basis"]
    inlines = [EligibilityRuleInline, ItemRateInline]


@admin.register(StandardLevel)
class StandardLevelAdmin(admin.ModelAdmin):
    list_display = ["province", "effective_from", "amount_vnd", "legal_basis"]
    list_filter = ["province"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Public holidays and swapped working days, entered each year from the Government's notice
    (Tết and the Hùng Kings' day follow the lunar calendar)."""

    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
