"""Helpers that render service errors on Django forms the same way everywhere."""

from django import forms

from gridguard.core.errors import ApplicationError


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
