from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only through services (history, attribution, audit): the admin just reads."""

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
