"""Coverage pages (应检尽检): a round's figures by node with drill-down and charts, the missing list
of a node (phone-first, a reason recorded in place with htmx), its export, the door-to-door list,
and the public page of a sampling point's queue. Thin over selectors.coverage and the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from gridguard.accounts.scope import Scope, current_user, scope_for
from gridguard.accounts.services import client_ip
from gridguard.core.errors import ApplicationError, NotFound, each_error
from gridguard.people.filters import int_param
from gridguard.screening.models import Enrollment, MissingReason, ScreeningRound
from gridguard.screening.selectors import coverage as sel
from gridguard.screening.services.rounds import missing_reason_record

PUBLIC_MAX_AGE = 30  # seconds a sampling point's public page may be cached (by the browser and here)


def _scope(request: HttpRequest) -> Scope:
    return sel.viewer_scope(scope_for(request.user))


def _round(request: HttpRequest, round_id: int) -> ScreeningRound:
    return sel.round_get(scope=_scope(request), pk=round_id)


def _node_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("node") or request.POST.get("node")
    if not raw:
        return None
    value = int_param(raw)
    if value is None:
        raise NotFound()
    return value


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    return render(request, "screening/coverage/rounds.html", {"rounds": sel.rounds_visible(scope=scope)})


@login_required
def coverage(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's page at a node: figures, progress by hour and by child as charts, the table of
    children with drill-down links."""
    scope = _scope(request)
    rnd = _round(request, round_id)
    node = sel.coverage_node(scope=scope, rnd=rnd, node_id=_node_id(request))
    data = sel.node_coverage(scope=scope, rnd=rnd, node=node)
    hours = sel.progress_by_hour(scope=scope, rnd=rnd, node=node)
    chart = {
        "hours": {
            "labels": [timezone.localtime(h).strftime("%m-%d %H:00") for h, _n in hours],
            "sampled": [n for _h, n in hours],
            "series": _("采样人数"),
        },
        "children": {
            "labels": [row.name for row in data.rows],
            "sampled": [row.figures.sampled for row in data.rows],
            "missing": [row.figures.missing for row in data.rows],
            "names": {"sampled": _("已采"), "missing": _("未检")},
        },
    }
    return render(
        request,
        "screening/coverage/round.html",
        {
            "rnd": rnd, "data": data, "node": node, "chart": chart, "roots": sel.round_roots(scope, rnd),
            "can_export": scope.has("imports.export"),
        },
    )


def _missing_context(request: HttpRequest, round_id: int, *, door: bool) -> dict[str, Any]:
    scope = _scope(request)
    rnd = _round(request, round_id)
    node = sel.coverage_node(scope=scope, rnd=rnd, node_id=_node_id(request))
    reason = request.GET.get("reason")
    reason = reason if reason in MissingReason.values or reason == "" else None
    page = sel.missing_page(
        scope=scope, rnd=rnd, node=node, cursor=request.GET.get("cursor") or None, door=door, reason=reason
    )
    return {
        "rnd": rnd, "node": node, "page": page, "door": door, "reason": reason,
        "figures": sel.node_figures(rnd, node), "reasons": MissingReason.choices,
        "can_reason": scope.has("screening.reason"), "can_reveal": scope.has("people.reveal"),
        "can_export": scope.has("imports.export"),
        "trail": sel.node_trail(scope, rnd, node),
    }


@login_required
@require_GET
def missing(request: HttpRequest, round_id: int) -> HttpResponse:
    """应检未检 of a node (the user's own grid by default), by address, 50 at a time."""
    try:
        context = _missing_context(request, round_id, door=False)
    except ApplicationError as exc:
        if exc.code != "cursor_invalid":
            raise
        messages.error(request, exc.message)
        return redirect(reverse("screening:coverage_missing", args=[round_id]))
    return render(request, "screening/coverage/missing.html", context)


@login_required
@require_GET
def door(request: HttpRequest, round_id: int) -> HttpResponse:
    """上门采样: the persons of a node to be sampled at home and not sampled yet, with address."""
    try:
        context = _missing_context(request, round_id, door=True)
    except ApplicationError as exc:
        if exc.code != "cursor_invalid":
            raise
        messages.error(request, exc.message)
        return redirect(reverse("screening:coverage_door", args=[round_id]))
    return render(request, "screening/coverage/door.html", context)


@login_required
@require_GET
def missing_export(request: HttpRequest, round_id: int) -> HttpResponse | FileResponse:
    from gridguard.screening.exports_coverage import missing_xlsx

    scope = _scope(request)
    rnd = _round(request, round_id)
    node = sel.coverage_node(scope=scope, rnd=rnd, node_id=_node_id(request))
    door_only = request.GET.get("door") == "1"
    try:
        return missing_xlsx(actor=current_user(request), rnd=rnd, node=node, door=door_only, request=request)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        url = reverse("screening:coverage_door" if door_only else "screening:coverage_missing", args=[rnd.pk])
        return redirect(f"{url}?node={node.pk}")


def _card(request: HttpRequest, rnd: ScreeningRound, enrollment: Enrollment, *, level: str = "",
          text: str = "", errors: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    scope = scope_for(request.user)
    return render(
        request,
        "screening/coverage/_missing_card.html",
        {
            "rnd": rnd, "e": enrollment, "label": sel.address_label(enrollment.node_path), "reasons": MissingReason.choices,
            "can_reason": scope.has("screening.reason"), "can_reveal": scope.has("people.reveal"),
            "level": level, "text": text, "errors": errors or {},
        },
        status=status,
    )


@login_required
@require_POST
def reason_record(request: HttpRequest, round_id: int, pk: int) -> HttpResponse:
    """Record why a person is missing. From a card (htmx) the answer is the card redrawn with the
    outcome (every wrong field named at once); otherwise back to the list with a message."""
    scope = _scope(request)
    rnd = _round(request, round_id)
    enrollment = sel.enrollment_get(scope=scope, rnd=rnd, pk=pk)
    card = bool(request.headers.get("HX-Request"))
    try:
        missing_reason_record(
            actor=current_user(request), enrollment=enrollment, reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        if exc.status in (403, 404) and not card:
            raise
        errors = {e.field or "reason": e.message for e in each_error(exc)}
        text = "；".join(f"{enrollment.person.name}：{m}" for m in errors.values())
        if card:
            enrollment.refresh_from_db()
            return _card(request, rnd, enrollment, level="error", text=text, errors=errors,
                         status=200 if exc.status == 400 else exc.status)
        messages.error(request, text)
    else:
        label = enrollment.get_missing_reason_display() if enrollment.missing_reason else _("已清除原因")
        text = _("{name}：已登记“{reason}”").format(name=enrollment.person.name, reason=label)
        if card:
            return _card(request, rnd, enrollment, level="success", text=text)
        messages.success(request, text)
    url = reverse("screening:coverage_missing", args=[rnd.pk])
    return redirect(f"{url}?node={request.POST.get('node', '')}" if request.POST.get("node") else url)


@login_required
@require_POST
def phone_reveal(request: HttpRequest, round_id: int, pk: int) -> HttpResponse:
    """The full phone of a missing person, for a role that may reveal (audited by people's service)."""
    from gridguard.people.services import person_reveal

    scope = _scope(request)
    rnd = _round(request, round_id)
    enrollment = sel.enrollment_get(scope=scope, rnd=rnd, pk=pk)
    try:
        values = person_reveal(actor=current_user(request), person=enrollment.person, ip=client_ip(request))
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status)
    return render(request, "screening/coverage/_phone.html", {"phone": values["phone"]})


# --- public: a sampling point's queue right now ------------------------------------------------


def _get_rate(group: str, request: HttpRequest) -> str:
    from django.conf import settings

    return str(settings.PUBLIC_GET_RATE)


@require_GET
@ratelimit(key="ip", rate=_get_rate, method="GET", block=True)
def point_public(request: HttpRequest, key: str) -> HttpResponse:
    """No login, no personal data: the point's address and hours, its slots, people sampled in the
    last 15 minutes against people expected in the current slot. Computed at most every 30 s per
    point (cached), and cacheable by the browser and any proxy for as long."""
    try:
        point = sel.point_by_key(key)
    except NotFound as exc:
        return render(request, "screening/coverage/public_invalid.html", {"message": exc.message}, status=404)
    cache_key = f"screening:queue:{point.pk}"
    queue = cache.get(cache_key)
    if queue is None:
        queue = _queue_dict(sel.point_queue(point))
        cache.set(cache_key, queue, PUBLIC_MAX_AGE)
    response = render(request, "screening/coverage/public_point.html", {"point": point, "q": queue})
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


def _queue_dict(q: sel.PointQueue) -> dict[str, Any]:
    """What the page shows, as plain values (what is cached)."""
    level = "short"
    if not q.is_open or q.point.round.status != "open":
        level = "closed"
    elif q.expected_now and q.remaining_now:
        # people still expected in this slot against what the point samples in 15 minutes
        pace = max(q.recent, 1)
        level = "long" if q.remaining_now > 4 * pace else ("medium" if q.remaining_now > 2 * pace else "short")
    return {
        "recent": q.recent, "expected_now": q.expected_now, "remaining_now": q.remaining_now,
        "slots_now": [_slot(s) for s in q.slots_now], "slots": [_slot(s) for s in q.slots],
        "is_open": q.is_open, "at": q.at, "level": level, "round_open": q.point.round.status == "open",
    }


def _slot(s: Any) -> dict[str, Any]:
    return {"grid": s.grid.name, "starts_at": s.starts_at, "ends_at": s.ends_at, "expected": s.expected}
