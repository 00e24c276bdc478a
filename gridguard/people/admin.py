from django.contrib import admin

from gridguard.core.admin import ReadOnlyAdmin
from gridguard.people.models import Household, Organization, Person, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "bit", "aliases", "is_sensitive"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "sex", "birth_date", "residency", "status", "node"]
    list_filter = ["status", "residency"]
    search_fields = ["=id_number", "=phone", "^name"]
    show_full_result_count = False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["address", "head", "is_rental"]
    search_fields = ["address"]
    show_full_result_count = False


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "is_key_place", "node"]
    list_filter = ["kind", "is_key_place"]
    search_fields = ["name"]
