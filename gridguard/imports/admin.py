from django.contrib import admin

from gridguard.imports.models import ExportJob, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "filename", "root", "status", "total_rows", "imported_rows", "error_rows",
                    "created_by", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("filename",)
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # jobs are created by uploads and commands, which run the checks


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "node", "status", "total_rows", "masked", "created_by", "created_at")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # jobs are created from the list pages, which check the rights and filters
