"""Helpers that run a form through a service and render its errors the same way everywhere."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError, NotFound, each_error


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a refused rule on its field (every field's, for FieldErrors), else above the form."""
    for error in each_error(exc):
        field = error.field if error.field in form.fields else None
        if field is None or field not in form.errors:
            form.add_error(field, error.message)


def form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    template: str,
    run: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], HttpResponse],
    context: dict[str, Any],
    message: str | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls ``run`` (a service) with the cleaned data and
    answers ``done(result)``; a rule the service refuses is shown on its field."""
    if request.method == "POST" and form.is_valid():
        data = form.service_data() if hasattr(form, "service_data") else form.cleaned_data
        try:
            result = run(data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, message or _("已保存"))
            return done(result)
    return render(request, template, {"form": form, **context})


def to(view_name: str) -> Callable[[Any], HttpResponse]:
    """``done`` for form_page: redirect to ``view_name`` with the result's primary key."""
    return lambda obj: redirect(view_name, obj.pk)


def or_404(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a selector; a record outside the user's jurisdiction (NotFound) becomes a 404 page."""
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404(_("记录不存在或不在您的管辖范围内")) from None


def safe_next(request: HttpRequest, url: str | None, fallback: str) -> str:
    """Where to go after an action: ``url`` (a ``next`` the page sent) when it is a place on this site,
    else ``fallback``. Never another site (``https://evil.example``, ``//evil.example``, ``/\\evil``) or
    a ``javascript:`` URL, which would make the platform's own link a way to send users elsewhere."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback
