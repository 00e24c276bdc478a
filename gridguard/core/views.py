from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridguard.accounts.scope import scope_for
from gridguard.grids.selectors import visible_roots


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    return render(request, "core/home.html", {"roots": visible_roots(scope=scope)})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
