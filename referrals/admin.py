from django.contrib import admin

from referrals.models import ReferralPurpose, RoutingRule


@admin.register(ReferralPurpose)
class ReferralPurposeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "consent_required",
        "acknowledge_hours",
        "decide_hours",
        "handover_hours",
        "escalate_after_hours",
    ]
    filter_horizontal = ["sender_kinds", "receiver_kinds", "lead_receiver_kinds"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "purpose",
        "sender",
        "target",
        "target_kind",
        "target_province",
        "nationality",
        "legal_basis",
        "is_active",
    ]
    list_filter = ["is_active", "purpose", "target", "nationality"]
    filter_horizontal = ["sender_kinds"]
