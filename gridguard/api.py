"""The JSON API (OpenAPI schema at /api/openapi.json, docs at /api/docs).

Per-device bearer tokens for scanners and lab systems, session auth for the browser (with CSRF).
A request with ``Authorization: Bearer …`` is decided by the token alone: a header the browser
never sends by itself cannot be forged by another site, so it needs no CSRF token; a wrong or
revoked token is a 401, never a fall-back to the session. Every endpoint calls the same selectors
and services as the web pages. Errors are ``{code, message[, field]}`` with a Chinese-first message,
422 adds ``errors`` (one per field, see gridguard.core.api_errors).
"""

import json
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError, ValidationErrorContext
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from gridguard.accounts.services import device_token_authenticate
from gridguard.core import api_errors
from gridguard.core.errors import ApplicationError


class DeviceTokenAuth(HttpBearer):
    """``Authorization: Bearer gg_…`` (made at /accounts/tokens/). Only runs when that header is
    there (HttpBearer returns None otherwise); then it decides: the token's user, or 401."""

    def authenticate(self, request: HttpRequest, token: str):  # type: ignore[no-untyped-def]
        user = device_token_authenticate(token.strip()) if token.strip() else None
        if user is None:
            raise api_errors.Unauthenticated(
                _("设备令牌无效或已被吊销：请在“设备令牌”页面重新生成"), code="token_invalid"
            )
        request.user = user
        return user


def _has_bearer(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").split(" ", 1)[0].lower() == "bearer"


class BrowserSessionAuth(SessionAuth):
    """Django's session with ninja's CSRF check for unsafe methods. Stands aside (returns None, no
    CSRF check) when the request carries a bearer token, which the token auth decides, and when
    nobody is logged in (nothing to forge; the answer is then a plain 401)."""

    def __call__(self, request: HttpRequest) -> Any:
        if _has_bearer(request) or not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise api_errors.CsrfFailed()
        return request.COOKIES.get(self.param_name)


# In a JSON text a NUL or a surrogate can only be written as a \u escape (JSON allows no raw
# control character in a string, and UTF-8 has no surrogates): a body without one needs no walk.
_ESCAPED_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class GridguardParser(Parser):
    """ninja's parser, refusing text that no database can store (a NUL, an unpaired surrogate) in the
    body, the query and a form, as a 422 naming the field instead of a 500 at the INSERT."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        body = request.body
        utf8 = json.detect_encoding(body).startswith("utf-8")  # json.loads also reads UTF-16 and UTF-32
        if not utf8 or _ESCAPED_UNSTORABLE.search(body):  # a batch of scans is checked at a regex's speed
            api_errors.check_storable(data, place="body")  # ninja answers the 400 (see http_error below)
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        api_errors.check_storable(result, place="query" if data is request.GET else "form")
        return result


class GridguardAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        # the 422 handler only sees the errors; name the fields while the models are at hand
        exc = super().validation_error_from_error_contexts(error_contexts)
        exc.field_names = api_errors.field_names(error_contexts)  # type: ignore[attr-defined]
        return exc


api = GridguardAPI(
    title="gridguard API",
    version="1",
    description=(
        "网格化疫情防控管理平台 JSON API. Auth: `Authorization: Bearer gg_…` (device token, "
        "/accounts/tokens/) or the browser session (unsafe methods need the `X-CSRFToken` header). "
        "Errors: {code, message, field}; 422 adds errors: [{field, message, type, loc, msg}]."
    ),
    auth=[DeviceTokenAuth(), BrowserSessionAuth()],
    urls_namespace="api",
    parser=GridguardParser(),
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, api_errors.validation_error_body(exc), status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApplicationError):  # the parser refused the body: say why
        return application_error(request, exc.__cause__)
    return api.create_response(request, api_errors.http_error_body(exc), status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, api_errors.http_error_body(HttpError(404, str(exc))), status=404)


def _add_routers() -> None:
    from gridguard.grids.api import router as grids_router
    from gridguard.people.api import router as people_router

    api.add_router("/", grids_router)
    api.add_router("/", people_router)
    api.add_router("/", "gridguard.control.api.router")
    api.add_router("/", "gridguard.screening.api.router")
    try:
        from gridguard.imports.api import router as imports_router
    except ImportError:  # the imports API is optional until that app provides one
        return
    api.add_router("/", imports_router)


_add_routers()
