from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from gridguard.core.errors import ApplicationError


class ApplicationErrorMiddleware:
    """Render a rule broken deep in a service as a page with its message (and status)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        if request.headers.get("HX-Request"):
            return HttpResponse(exception.message, status=exception.status)
        return render(request, "core/error.html", {"error": exception}, status=exception.status)


class LanguageMiddleware(LocaleMiddleware):
    """Chinese first: the UI is zh-hans unless the user chose another language (the cookie
    set by the language switcher). A phone or PC set to English still gets Chinese."""

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
