"""Pages of the rounds part: rounds and their plans (points, stations, slots, samplers), the proposal,
slot notices, and personal codes (label sheets, reissue, the personal link). Thin over the
selectors and services; scoped by jurisdiction and the screening rights."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.scope import Scope, current_user, scope_for
from gridguard.accounts.services import audit_record, client_ip
from gridguard.core.errors import ApplicationError, FieldErrors, NotFound, PermissionDenied, each_error
from gridguard.core.forms import add_service_error, or_404
from gridguard.core.xlsx import HEADER_FILL, HEADER_FONT, XLSX_TYPE, Book
from gridguard.grids import selectors as grid_selectors
from gridguard.imports.exports import attachment
from gridguard.imports.selectors import import_roots
from gridguard.people import selectors as people_selectors
from gridguard.screening.forms_rounds import (
    ExemptForm,
    PlanHoursForm,
    PointForm,
    RoundForm,
    SlotForm,
    StaffForm,
    read_plan,
)
from gridguard.screening.models import Enrollment, ExemptReason, RoundStatus, SamplingPoint, ScreeningRound
from gridguard.screening.selectors import rounds as sel
from gridguard.screening.services import plan as plan_services
from gridguard.screening.services import points as point_services
from gridguard.screening.services import rounds as round_services


def _round(request: HttpRequest, pk: int) -> ScreeningRound:
    return or_404(sel.round_get, scope=scope_for(request.user), pk=pk)


def _planner(request: HttpRequest, pk: int) -> tuple[ScreeningRound, Scope]:
    rnd = _round(request, pk)
    scope = scope_for(request.user)
    if not sel.may_plan(scope, rnd):
        raise PermissionDenied(_("无权操作：您的角色没有“组织核酸检测轮次、采样点和时段”权限，或轮次不在您的辖区"))
    return rnd, scope


def _view_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    scope.require("screening.view")
    return scope


# --- rounds -----------------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    scope = _view_scope(request)
    return render(request, "screening/rounds/list.html", {
        "rounds": list(sel.round_list(scope)[:200]), "may_create": scope.has("screening.plan"),
    })


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("screening.plan")
    today = timezone.localdate()
    form = RoundForm(request.POST or None, nodes=import_roots(scope=scope),
                     initial={"starts_on": today + dt.timedelta(days=1), "ends_on": today + dt.timedelta(days=1)})
    if request.method == "POST":
        valid = form.is_valid()
        data = form.cleaned_data
        missing = form.missing()
        args = {
            "node": data.get("node"), "name": data.get("name", ""), "starts_on": data.get("starts_on") or today,
            "ends_on": data.get("ends_on") or data.get("starts_on") or today, "mode": data.get("mode", ""),
            "exempt_away": bool(data.get("exempt_away")),
            "exempt_under_months": data.get("exempt_under_months") or 0,
            "exempt_central": bool(data.get("exempt_central")),
            "target_hours": data.get("target_hours") if data.get("target_hours") is not None else 24,
            "note": data.get("note", ""),
        }
        errors: list[ApplicationError] = list(missing)
        rnd = None
        node = args["node"] or next(iter(import_roots(scope=scope)), None)
        if node is not None:
            # Run the service even when a field is missing or malformed, in a transaction that is rolled
            # back, so that every wrong field is named at once.
            try:
                with transaction.atomic():
                    rnd = round_services.round_create(actor=current_user(request), **{**args, "node": node})
                    if not valid or errors:
                        transaction.set_rollback(True)
                        rnd = None
            except ApplicationError as exc:
                errors.extend(each_error(exc))
        for error in errors:
            add_service_error(form, error)
        if rnd is not None:
            messages.success(request, _("已创建轮次，请规划采样点"))
            return redirect("screening:round", rnd.pk)
    return render(request, "screening/rounds/form.html", {
        "form": form, "title": _("新建核酸检测轮次"), "back": reverse("screening:rounds"),
    })


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _view_scope(request)
    rnd = _round(request, pk)
    scope = scope_for(request.user)
    points = sel.round_points(rnd)
    may_plan = sel.may_plan(scope, rnd)
    return render(request, "screening/rounds/detail.html", {
        "rnd": rnd, "points": points, "figures": sel.round_figures(rnd, points), "may_plan": may_plan,
        "editable": may_plan and rnd.status != RoundStatus.CLOSED,
        "grids": sel.slot_grids(rnd, scope),
    })


@login_required
@require_POST
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    rnd, _scope = _planner(request, pk)
    try:
        drawn = round_services.round_open(actor=current_user(request), rnd=rnd)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("轮次已开始：应检名单共抽取 {n} 人").format(n=drawn))
    return redirect("screening:round", rnd.pk)


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    rnd, _scope = _planner(request, pk)
    try:
        round_services.round_close(actor=current_user(request), rnd=rnd)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("轮次已结束"))
    return redirect("screening:round", rnd.pk)


# --- points, slots, staff ---------------------------------------------------------------------------


def _point_form_context(rnd: ScreeningRound, **kw: Any) -> dict[str, Any]:
    return {"rnd": rnd, **kw}


@login_required
def point_create(request: HttpRequest, pk: int) -> HttpResponse:
    rnd, _scope = _planner(request, pk)
    day = rnd.starts_on
    initial = {"opens_at": timezone.make_aware(dt.datetime.combine(day, dt.time(7))),
               "closes_at": timezone.make_aware(dt.datetime.combine(day, dt.time(19))), "stations": 1}
    form = PointForm(request.POST or None, nodes=sel.round_grids(rnd), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            point_services.point_create(actor=current_user(request), rnd=rnd, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已添加采样点"))
            return redirect("screening:round", rnd.pk)
    return render(request, "screening/rounds/form.html", {
        "form": form, "title": _("添加采样点：{name}").format(name=rnd.name),
        "back": reverse("screening:round", args=[rnd.pk]),
    })


def _point(request: HttpRequest, pk: int, point_pk: int) -> tuple[ScreeningRound, SamplingPoint]:
    rnd, scope = _planner(request, pk)
    return rnd, or_404(sel.point_get, scope=scope, rnd=rnd, pk=point_pk)


@login_required
def point_detail(request: HttpRequest, pk: int, point_pk: int) -> HttpResponse:
    rnd, point = _point(request, pk, point_pk)
    slot_form = SlotForm(request.POST if request.POST.get("form") == "slot" else None, nodes=sel.round_grids(rnd),
                         initial={"starts_at": point.opens_at, "ends_at": point.closes_at})
    staff_form = StaffForm(request.POST if request.POST.get("form") == "staff" else None,
                           users=sel.sampler_choices(rnd))
    actor = current_user(request)
    if request.method == "POST":
        done = None
        if request.POST.get("form") == "slot" and slot_form.is_valid():
            data = slot_form.cleaned_data
            try:
                point_services.point_slot_set(actor=actor, point=point, grid=data["grid"], starts_at=data["starts_at"],
                                              ends_at=data["ends_at"], expected=data.get("expected") or 0)
                done = _("已保存时段")
            except ApplicationError as exc:
                add_service_error(slot_form, exc)
        elif request.POST.get("form") == "staff" and staff_form.is_valid():
            user = User.objects.filter(pk=staff_form.cleaned_data["user"]).first()
            try:
                if user is None:
                    raise NotFound()
                point_services.point_staff_add(actor=actor, point=point, user=user,
                                               duty=staff_form.cleaned_data["duty"])
                done = _("已安排人员")
            except ApplicationError as exc:
                add_service_error(staff_form, exc)
        if done:
            messages.success(request, done)
            return redirect("screening:point", rnd.pk, point.pk)
    fresh = sel.round_points(rnd)
    point = next((p for p in fresh if p.pk == point.pk), point)
    return render(request, "screening/rounds/point.html", {
        "rnd": rnd, "point": point, "slot_form": slot_form, "staff_form": staff_form,
    })


# --- the proposal ------------------------------------------------------------------------------


def _hours(request: HttpRequest, rnd: ScreeningRound) -> tuple[PlanHoursForm, dt.date, dt.datetime, dt.datetime]:
    source = request.POST if request.method == "POST" else request.GET
    form = PlanHoursForm(source if source.get("day") else None,
                         initial={"day": rnd.starts_on, "opens": dt.time(7), "closes": dt.time(19)})
    day, opens, closes = rnd.starts_on, dt.time(7), dt.time(19)
    if form.is_bound and form.is_valid():
        day, opens, closes = form.cleaned_data["day"], form.cleaned_data["opens"], form.cleaned_data["closes"]
    aware = timezone.make_aware
    return form, day, aware(dt.datetime.combine(day, opens)), aware(dt.datetime.combine(day, closes))


def _labelled(errors: list[ApplicationError], proposal: plan_services.Proposal) -> list[str]:
    """The errors as lines, each naming its point."""
    lines = []
    for error in errors:
        parts = (error.field or "").split(".")
        if parts[0] == "points" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(proposal.points):
            lines.append(f"{proposal.points[int(parts[1])].name or _('新采样点')}：{error.message}")
        else:
            lines.append(error.message)
    return lines


@login_required
def round_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposed plan: computed from the ledger (GET, or 按人数重排 after edits), edited on the page,
    applied in one step (re-applying replaces the draft's points)."""
    rnd, _scope = _planner(request, pk)
    hours_form, day, opens_at, closes_at = _hours(request, rnd)
    errors: list[str] = []
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ("apply", "spread"):
        proposal, read_errors = read_plan(request.POST, day)
        if action == "spread":
            for point in proposal.points:
                try:
                    point.slots = plan_services.spread_slots(
                        [(s.grid_id, s.grid_name, s.persons) for s in point.slots], point.opens_at, point.closes_at)
                except ApplicationError as exc:
                    read_errors.append(exc)
            errors = _labelled(read_errors, proposal)
        else:
            try:
                if read_errors:
                    raise FieldErrors(read_errors)
                made = plan_services.plan_apply(actor=current_user(request), rnd=rnd, proposal=proposal)
            except ApplicationError as exc:
                errors = _labelled(each_error(exc), proposal)
            else:
                messages.success(request, _("已按方案设置 {n} 个采样点").format(n=len(made)))
                return redirect("screening:round", rnd.pk)
    else:
        try:
            proposal = plan_services.round_proposal(rnd, opens_at=opens_at, closes_at=closes_at)
        except ApplicationError as exc:
            proposal = plan_services.Proposal(points=[], rate=0)
            errors = [exc.message]
    grids = sel.round_grids(rnd)
    view_points, j = [], 0
    for i, point in enumerate(proposal.points):
        slots = []
        for slot in point.slots:
            slots.append({"j": j, "slot": slot})
            j += 1
        view_points.append({"i": i, "point": point, "slots": slots})
    return render(request, "screening/rounds/plan.html", {
        "rnd": rnd, "proposal": proposal, "view_points": view_points, "slot_count": j,
        "new_index": len(proposal.points), "point_count": len(proposal.points) + 1, "hours_form": hours_form, "day": day, "errors": errors,
        "sites": grids, "opens": opens_at, "closes": closes_at,
        "rules": {"point_min": plan_services.POINT_MIN, "point_max": plan_services.POINT_MAX,
                  "station_min": plan_services.STATION_MIN, "station_max": plan_services.STATION_MAX},
        "has_points": SamplingPoint.objects.filter(round=rnd).exists(),
    })


# --- exemptions by hand --------------------------------------------------------------------------


@login_required
def round_exempt(request: HttpRequest, pk: int) -> HttpResponse:
    rnd, scope = _planner(request, pk)
    if request.method == "POST":
        enrollment = Enrollment.objects.filter(round=rnd, pk=request.POST.get("enrollment") or 0).first()
        form = ExemptForm(request.POST)
        if enrollment is None or not scope.covers(enrollment.node_path):
            raise Http404(_("记录不存在或不在您的管辖范围内"))
        if form.is_valid():
            try:
                round_services.enrollment_exempt(actor=current_user(request), enrollment=enrollment,
                                                 **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已保存：{name}").format(name=enrollment.person.name))
        return redirect(f"{reverse('screening:round_exempt', args=[rnd.pk])}?q={request.POST.get('q', '')}")
    text = request.GET.get("q", "")
    rows = sel.enrollment_search(scope=scope, rnd=rnd, text=text) if rnd.status != RoundStatus.DRAFT else []
    template = "screening/rounds/_exempt_rows.html" if request.headers.get("HX-Request") else \
        "screening/rounds/exempt.html"
    # Numbers are shown masked here whatever the role: a full number is revealed (and audited) on the
    # person's page.
    return render(request, template, {"rnd": rnd, "rows": rows, "q": text, "reasons": ExemptReason.choices})


# --- slot notices and export ---------------------------------------------------------------------


@login_required
def slot_notice(request: HttpRequest, pk: int, grid_id: int) -> HttpResponse:
    from gridguard.screening.documents import slot_notice_pdf

    scope = _view_scope(request)
    rnd = _round(request, pk)
    grid = or_404(grid_selectors.node_get, scope=scope, node_id=grid_id)
    slots = sel.grid_slots(rnd, grid)
    if not slots:
        raise Http404(_("该网格在本轮次没有采样时段"))
    pdf = slot_notice_pdf(rnd, grid, slots, show_phone=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="slots-{rnd.pk}-{grid.pk}.pdf"'
    return response


@login_required
def slot_export(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _view_scope(request)
    rnd = _round(request, pk)
    book = Book()
    ws = book.sheet(_("采样时段"))
    ws.widths([20, 24, 30, 18, 8, 8, 10])
    ws.freeze()
    ws.append([_("网格"), _("采样点"), _("地址"), _("日期"), _("开始"), _("结束"), _("应检人数")],
              font=HEADER_FONT, fill=HEADER_FILL)
    for slot in sel.slot_rows(rnd, scope):
        start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
        ws.append([slot.grid.name, slot.point.name, slot.point.address, start.date().isoformat(),
                   f"{start:%H:%M}", f"{end:%H:%M}", slot.expected])
    import io

    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(f"{rnd.name}_采样时段.xlsx")
    return response


# --- personal codes --------------------------------------------------------------------------------


def _code_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    scope.require("screening.reason", _("无权操作：您的角色不能打印或补发核酸码"))
    return scope


def _labels(request: HttpRequest, rows: list[sel.CodeRow], *, title: str, place: str, obj: Any) -> HttpResponse:
    from gridguard.screening.documents import code_labels_pdf

    audit_record(actor=current_user(request), action=AuditLog.Action.EXPORT, obj=obj,
                 object_repr=f"打印核酸码 {len(rows)} 人 {place}"[:200], detail={"codes": len(rows)},
                 ip=client_ip(request))
    response = HttpResponse(code_labels_pdf(rows, title=title, place=place), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="codes-{obj._meta.model_name}-{obj.pk}.pdf"'
    return response


@login_required
def code_sheets(request: HttpRequest) -> HttpResponse:
    """核酸码打印: the buildings, compounds and grids of the user's jurisdiction, each a label sheet."""
    scope = _code_scope(request)
    return render(request, "screening/codes/sheets.html", {"nodes": sel.sheet_nodes(scope), "limit": 500})


@login_required
def household_codes(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _code_scope(request)
    household = or_404(people_selectors.household_get, scope=scope, pk=pk)
    rows = sel.code_rows(sel.household_code_persons(household))
    return _labels(request, rows, title=_("核酸码"), place=household.address, obj=household)


@login_required
def building_codes(request: HttpRequest, node_id: int) -> HttpResponse:
    scope = _code_scope(request)
    node = or_404(grid_selectors.node_get, scope=scope, node_id=node_id)
    rows = sel.code_rows(sel.building_code_persons(scope=scope, node=node))
    return _labels(request, rows, title=_("核酸码"), place=node.name, obj=node)


@login_required
@require_POST
def person_code_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    from gridguard.screening.services.codes import person_code_reissue as reissue

    scope = _code_scope(request)
    person = or_404(people_selectors.person_get, scope=scope, pk=pk)
    try:
        reissue(actor=current_user(request), person=person)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已补发核酸码：旧码和旧链接已停用"))
    return redirect("people:person", person.pk)


@login_required
def person_code_link(request: HttpRequest, pk: int) -> HttpResponse:
    """The personal link of a person, to show (its QR, for the resident to scan with their phone) or
    to send. Audited: the link shows the person's code to whoever holds it."""
    from gridguard.screening.documents import code_svg
    from gridguard.screening.public_codes import person_link_url

    scope = _code_scope(request)
    person = or_404(people_selectors.person_get, scope=scope, pk=pk)
    url = request.build_absolute_uri(person_link_url(person.pk))
    audit_record(actor=current_user(request), action=AuditLog.Action.REVEAL, obj=person,
                 detail={"code_link": True}, ip=client_ip(request))
    phone = person.phone if scope.has("people.reveal") else ""
    return render(request, "screening/codes/link.html", {
        "person": person, "url": url, "qr": code_svg(url), "phone": phone,
        "sms": _("您的核酸码：{url} 采样时请出示。").format(url=url),
    })
