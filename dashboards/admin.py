"""Export and import jobs in the admin, read-only: who exported or imported what and when,
never the file (an export is downloaded only by its requester, through the audited view; an
uploaded file is deleted once imported)."""

from django.contrib import admin

from dashboards.models import ExportJob, ImportJob


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


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "requested_by", "agency", "file_name", "status", "created", "updated", "unchanged"]
    list_filter = ["status"]
    search_fields = ["requested_by__username", "agency__code", "file_name", "sha256"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by", "agency"]
    # Not the problems: their messages quote the file's cells, personal data of the agency.
    fields = [
        "public_id",
        "requested_by",
        "agency",
        "role",
        "file_name",
        "size",
        "sha256",
        "language",
        "status",
        "total",
        "done",
        "created",
        "updated",
        "unchanged",
        "problem_count",
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
