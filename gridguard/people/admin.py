from django.contrib import admin

from gridguard.people.models import Household, Organization, Person, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "bit", "aliases"]


class ReadOnlyLedgerAdmin(admin.ModelAdmin):
    """Ledger rows are changed through services (history and attribution); admin only reads."""

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyLedgerAdmin):
    list_display = ["name", "sex", "birth_date", "residency", "status", "node"]
    list_filter = ["status", "residency"]
    search_fields = ["=id_number", "=phone", "^name"]
    show_full_result_count = False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyLedgerAdmin):
    list_display = ["address", "head", "is_rental"]
    search_fields = ["address"]
    show_full_result_count = False


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyLedgerAdmin):
    list_display = ["name", "kind", "is_key_place", "node"]
    list_filter = ["kind", "is_key_place"]
    search_fields = ["name"]
