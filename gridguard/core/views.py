from django.contrib.auth.decorators import login_required
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gridguard.accounts.scope import scope_for
from gridguard.accounts.selectors import audit_flags
from gridguard.grids.models import Level
from gridguard.grids.selectors import grid_board, visible_roots


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Home by role: a grid-level user sees their grid's board at once; officials get their
    nodes with the coverage check, import and audit one click away, and the week's flags (a user past
    the look-up limit) of the users under them."""
    scope = scope_for(request.user)
    roots = visible_roots(scope=scope)
    grid_rank = Level.objects.filter(is_grid=True).aggregate(r=Min("rank"))["r"]
    at_grid = [n for n in roots if grid_rank is not None and n.level.rank >= grid_rank]
    boards = [grid_board(scope=scope, node=n) for n in at_grid[:3]]
    flags = audit_flags(scope=scope)
    return render(request, "core/home.html", {"roots": roots, "boards": boards, "flags": flags})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer of a public page asked too often from one address (django-ratelimit)."""
    return render(request, "core/error.html", {"error": {"status": 429, "message": _("提交过于频繁，请稍后再试")}}, status=429)
