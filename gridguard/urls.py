from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gridguard.api import api


@csrf_exempt  # a POST to a wrong URL gets the same JSON 404, not the CSRF page
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """A URL under /api/ that no endpoint answers: JSON like every API error, not an HTML page."""
    return JsonResponse({"code": "not_found", "message": _("没有这个接口，请查看 /api/docs")}, status=404)


urlpatterns = [
    path("", include("gridguard.core.urls")),
    path("accounts/", include("gridguard.accounts.urls")),
    path("grids/", include("gridguard.grids.urls")),
    path("people/", include("gridguard.people.urls")),
    path("imports/", include("gridguard.imports.urls")),
    path("control/", include("gridguard.control.urls")),
    path("screening/", include("gridguard.screening.urls")),
    path("p/", include("gridguard.control.public_urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
]

admin.site.site_header = str(settings.SITE_TITLE)
admin.site.site_title = str(settings.SITE_TITLE)
