from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from gridguard.api import api

urlpatterns = [
    path("", include("gridguard.core.urls")),
    path("accounts/", include("gridguard.accounts.urls")),
    path("grids/", include("gridguard.grids.urls")),
    path("people/", include("gridguard.people.urls")),
    path("imports/", include("gridguard.imports.urls")),
    path("control/", include("gridguard.control.urls")),
    path("p/", include("gridguard.control.public_urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

admin.site.site_header = str(settings.SITE_TITLE)
admin.site.site_title = str(settings.SITE_TITLE)
