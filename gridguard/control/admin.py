from django.contrib import admin

from gridguard.control.models import Policy, PolicySet


class PolicyInline(admin.TabularInline):
    model = Policy
    fk_name = "policy_set"
    extra = 0
    fields = ("category", "measure", "days", "check_slots", "test_days", "next_policy", "note")


@admin.register(PolicySet)
class PolicySetAdmin(admin.ModelAdmin):
    """Policies are data a system admin edits; running orders keep the policy they started with."""

    list_display = ("name", "code", "is_current")
    inlines = [PolicyInline]
