from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridguard.control import rules, services
from gridguard.control.models import Policy, PolicyChange, PolicySet


class PolicyAdminForm(forms.ModelForm):
    """The policy's values checked by the same rules as the policy page (slots across midnight,
    test days within the days, "1, 4, 7" or "[1, 4, 7]"; no test days at all is allowed)."""

    test_days = forms.CharField(
        label=_("核酸检测日"), required=False, help_text=_("第几天，逗号分隔，如 1, 4, 7；可留空")
    )

    class Meta:
        model = Policy
        fields = ("category", "measure", "days", "check_slots", "test_days", "next_policy", "note")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["test_days"] = ", ".join(str(d) for d in self.instance.test_days or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check = rules.FieldCheck()
        if self.instance.pk:
            check(services.check_next_policy, self.instance, data.get("next_policy"))
        values = check(
            rules.clean_policy,
            days=data.get("days"),
            check_slots=data.get("check_slots"),
            test_days=data.get("test_days"),
        )
        for error in check.errors:
            field = error.field if error.field in self.fields else None
            if field is None or field not in self.errors:
                self.add_error(field, error.message)
        if values is not None and not check.errors:
            days, slots, tests = values
            data.update(days=days, check_slots=slots, test_days=tests)
        return data


class PolicyInline(admin.TabularInline):
    model = Policy
    form = PolicyAdminForm
    fk_name = "policy_set"
    extra = 0
    fields = ("category", "measure", "days", "check_slots", "test_days", "next_policy", "note")


@admin.register(PolicySet)
class PolicySetAdmin(admin.ModelAdmin):
    """Policies are data an official edits (also on the control app's policy page); a change of an
    existing policy goes through the same service, so it is checked and recorded in PolicyChange.
    The current set is chosen on the policy page (recorded there too)."""

    list_display = ("name", "code", "is_current")
    readonly_fields = ("is_current",)
    inlines = [PolicyInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Policy:
            super().save_formset(request, form, formset, change)
            return
        for obj in formset.save(commit=False):
            if obj.pk is None:
                obj.save()
                continue
            stored = Policy.objects.get(pk=obj.pk)
            services.policy_update(
                actor=request.user,  # type: ignore[arg-type]
                policy=stored,
                days=obj.days,
                check_slots=obj.check_slots,
                test_days=obj.test_days,
                next_policy=obj.next_policy,
                note=obj.note,
            )
            if (stored.category, stored.measure) != (obj.category, obj.measure):
                Policy.objects.filter(pk=obj.pk).update(category=obj.category, measure=obj.measure)
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(PolicyChange)
class PolicyChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "kind", "policy_set", "policy", "applied_orders")
    list_filter = ("kind", "policy_set")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
