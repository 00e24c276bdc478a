from django import template
from django.utils.translation import gettext

from gridguard.core.masking import mask_id_number, mask_phone

register = template.Library()


@register.filter
def mask_id(value: str) -> str:
    return mask_id_number(value or "")


@register.filter(name="mask_phone")
def mask_phone_filter(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def can(scope, code: str) -> bool:  # type: ignore[no-untyped-def]
    """``{% if scope|can:"people.reveal" %}``: whether the user's role holds that right."""
    return scope.has(code)


@register.filter
def tag_names(mask: int, tags) -> list[str]:  # type: ignore[no-untyped-def]
    return [gettext(t.name) for t in tags if mask & (1 << t.bit)]


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:  # type: ignore[no-untyped-def]
    """The current query string with some parameters replaced (for pagers and export links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
