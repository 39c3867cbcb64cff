"""Admin for the support catalogue, its rates and the working-day calendar. Claims, payments and
extensions are case data and deliberately not here: they are seen through the case's access."""

from django.contrib import admin

from support.models import CalendarDay, EligibilityRule, ItemRate, StandardLevel, SupportItem


class EligibilityRuleInline(admin.TabularInline):
    model = EligibilityRule
    fields = ["person_statuses", "nationality", "whereabouts", "case_by_case", "reason", "reason_en"]
    extra = 0


class ItemRateInline(admin.TabularInline):
    """Amounts an administrator enters from the text in force; none are shipped where docs/domain.md
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
