from django.contrib import admin

from gridguard.grids.models import GridNode, Level, NodeEvent, StaffAssignment


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "rank", "is_grid", "is_address"]


@admin.register(GridNode)
class GridNodeAdmin(admin.ModelAdmin):
    """Read-mostly: the tree is changed through the grid pages so records are re-pathed."""

    list_display = ["name", "level", "path", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth", "numchild"]
    fields = ["name", "code", "note", "level", "path", "depth", "numchild", "is_active"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["node", "duty", "name", "phone", "user", "since", "until"]
    list_filter = ["duty"]
    search_fields = ["name", "phone", "node__name"]
    raw_id_fields = ["node", "user"]


@admin.register(NodeEvent)
class NodeEventAdmin(admin.ModelAdmin):
    list_display = ["at", "node", "kind", "actor"]
    list_filter = ["kind"]
