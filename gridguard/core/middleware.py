from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

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


API_PREFIX = "/api/"


class ApiJsonErrorsMiddleware:
    """Under /api/ every error is JSON ``{code, message}``: the endpoints answer so themselves, and this
    turns what Django or ninja answer in HTML or plain text around them into the same shape — a 405 for
    a method the path does not take (ninja's "Method not allowed"), Django's 400/403/413 pages, and
    the 500 page of an uncaught exception (Django has logged it and sent ``got_request_exception``
    by then; the body says nothing of the error itself). Goes near the top of MIDDLEWARE so that it
    sees the answers of the middleware below it too."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        return json_error(request, response)


def json_error(request: HttpRequest, response: HttpResponse) -> JsonResponse:
    status = response.status_code
    body: dict[str, object]
    if status == 405:
        allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
        body = {
            "code": "method_not_allowed",
            "message": _("此接口不接受 %(method)s 请求，可用：%(allowed)s")
            % {"method": request.method, "allowed": "、".join(allowed) or "—"},
            "allowed": allowed,
        }
    elif status == 404:
        body = {"code": "not_found", "message": _("没有这个接口，请查看 /api/docs")}
    elif status == 413:
        body = {"code": "too_large", "message": _("请求体过大")}
    elif status == 403:
        body = {"code": "forbidden", "message": _("无权执行此操作")}
    elif status == 400:
        body = {"code": "bad_request", "message": _("请求有误，无法处理")}
    elif status >= 500:
        body = {"code": "server_error", "message": _("服务器内部错误，已记录，请稍后再试或联系管理员")}
    else:
        body = {"code": f"http_{status}", "message": _("请求有误（HTTP %(status)d）") % {"status": status}}
    json = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            json[header] = response[header]
    return json
