"""The JSON API (OpenAPI schema at /api/openapi.json, docs at /api/docs).

Session auth for the browser (with CSRF) and per-device bearer tokens for scanners and lab
systems. Every endpoint calls the same selectors and services as the web pages.
"""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from gridguard.accounts.services import device_token_authenticate
from gridguard.core.errors import ApplicationError


class DeviceTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):  # type: ignore[no-untyped-def]
        user = device_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="gridguard API",
    version="1",
    description="网格化疫情防控管理平台 JSON API. Errors: {code, message, field}.",
    auth=[SessionAuth(), DeviceTokenAuth()],
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError):  # type: ignore[no-untyped-def]
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _add_routers() -> None:
    from gridguard.grids.api import router as grids_router
    from gridguard.people.api import router as people_router

    api.add_router("/", grids_router)
    api.add_router("/", people_router)
    api.add_router("/", "gridguard.control.api.router")
    try:
        from gridguard.imports.api import router as imports_router
    except ImportError:  # the imports API is optional until that app provides one
        return
    api.add_router("/", imports_router)


_add_routers()
