"""Export jobs in the admin, read-only: who exported what and when, never the file (a file is
downloaded only by its requester, through the audited view)."""

from django.contrib import admin

from dashboards.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "requested_by", "agency", "kind", "format", "shared", "status", "row_count"]
    list_filter = ["status", "kind", "format", "shared"]
    search_fields = ["requested_by__username", "agency__code"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by", "agency"]
    fields = [
        "public_id",
        "requested_by",
        "agency",
        "role",
        "kind",
        "format",
        "params",
        "shared",
        "status",
        "total",
        "done",
        "row_count",
        "error",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
