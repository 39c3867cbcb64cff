"""Export and import jobs in the admin, read-only: who exported or imported what and when,
never the file (an export is downloaded only by its requester, through the audited view; an
uploaded file is deleted once imported)."""

from django.contrib import admin

from exchange.models import ExportJob, ImportJob


class ReadOnlyJobAdmin(admin.ModelAdmin):
    """Shared by both: a record of what was done, never edited from the admin."""

    search_fields = ["requested_by__username", "agency__code"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by", "agency"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyJobAdmin):
    list_display = ["created_at", "requested_by", "agency", "kind", "format", "shared", "status", "row_count"]
    list_filter = ["status", "kind", "format", "shared"]
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


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyJobAdmin):
    list_display = ["created_at", "requested_by", "agency", "file_name", "status", "created", "updated", "unchanged"]
    list_filter = ["status"]
    search_fields = [*ReadOnlyJobAdmin.search_fields, "file_name", "sha256"]
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
