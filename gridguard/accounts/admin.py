from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from gridguard.accounts.models import AuditLog, DeviceToken, Jurisdiction, Role, User
from gridguard.accounts.services import role_permissions_set
from gridguard.core import plug
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


def _permission_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The declared rights, grouped by app, as the role form's checkboxes."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for perm in plug.registry.permissions.values():
        groups.setdefault(perm.app, []).append((perm.code, f"{perm.label}（{perm.code}）"))
    return [(app, sorted(items)) for app, items in sorted(groups.items())]


class RoleForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(
        label=_("权限"), required=False, widget=forms.CheckboxSelectMultiple, choices=_permission_choices
    )

    class Meta:
        model = Role
        fields = ["code", "name", "sees_everything", "sort"]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["permissions"].initial = list(self.instance.grants.values_list("code", flat=True))


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleForm
    list_display = ["name", "code", "sees_everything", "rights"]
    fields = ["code", "name", "sees_everything", "sort", "permissions"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("grants")

    @admin.display(description=_("权限"))
    def rights(self, role: Role) -> str:
        return "、".join(str(plug.registry.permissions[g.code].label) if g.code in plug.registry.permissions
                        else g.code for g in role.grants.all())

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        role_permissions_set(actor=request.user, role=form.instance, permissions=form.cleaned_data["permissions"])


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor__username"]
