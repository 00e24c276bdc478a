"""Errors as values with codes, rendered the same by the UI, the API and import reports."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class ApplicationError(Exception):
    """A rule was broken. ``message`` is shown to the user: Chinese first, translated with gettext
    when raised, so it is in the language of the request that broke the rule."""

    status = 400

    def __init__(
        self, code: str, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.extra:
            data.update(self.extra)
        return data


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: str | None = None, **kw: Any):
        if message is None:  # translated when raised, in the language of the request
            message = _("无权访问：不在您的管辖范围内")
        super().__init__("forbidden", message, **kw)


class NotFound(ApplicationError):
    status = 404

    def __init__(self, message: str | None = None, **kw: Any):
        if message is None:
            message = _("记录不存在或不在您的管辖范围内")
        super().__init__("not_found", message, **kw)


class TooMany(ApplicationError):
    """Asked too often (a limit per user and hour): answered with 429."""

    status = 429


class FieldErrors(ApplicationError):
    """Several fields are wrong at once (a form, an import row). Reads as its first error, so code
    that shows one problem still works; ``errors`` holds them all, at most one per field."""

    def __init__(self, errors: list[ApplicationError]):
        self.errors: list[ApplicationError] = []
        fields: set[str | None] = set()
        for error in errors:
            if error.field not in fields:
                fields.add(error.field)
                self.errors.append(error)
        first = self.errors[0]
        super().__init__(first.code, first.message, field=first.field, extra=first.extra)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        if len(self.errors) > 1:
            data["errors"] = [e.as_dict() for e in self.errors]
        return data


def each_error(exc: ApplicationError) -> list[ApplicationError]:
    """The errors an ApplicationError stands for: its ``errors`` (FieldErrors), or itself."""
    return list(getattr(exc, "errors", None) or [exc])
