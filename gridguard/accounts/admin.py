from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from gridguard.accounts.models import AuditLog, DeviceToken, Jurisdiction, Role, User
from gridguard.core.admin import ReadOnlyAdmin


class JurisdictionInline(admin.TabularInline):
    model = Jurisdiction
    extra = 1
    raw_id_fields = ["node"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "phone", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("网格化", {"fields": ("full_name", "phone", "role")}))  # type: ignore[misc]
    inlines = [JurisdictionInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sees_everything", *Role.CAPABILITIES]
    list_editable = ["sees_everything", *Role.CAPABILITIES]


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor__username"]
