from django.contrib import admin

from referrals.models import ReferralPurpose


@admin.register(ReferralPurpose)
class ReferralPurposeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "consent_required", "acknowledge_hours", "decide_hours", "handover_hours"]
    filter_horizontal = ["sender_kinds", "receiver_kinds"]
