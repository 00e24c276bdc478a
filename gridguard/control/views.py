"""Staff pages of key-person control: thin views over selectors and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridguard.accounts.scope import current_user, scope_for
from gridguard.accounts.services import client_ip
from gridguard.control import selectors, services
from gridguard.control.forms import (
    CancelForm,
    ChangeForm,
    CheckForm,
    ExtendForm,
    KeyPersonForm,
    NeedForm,
    NeedUpdateForm,
    OrderForm,
    PlaceForm,
    PolicyForm,
    ReleaseForm,
    ResolveForm,
    TestResultForm,
    TransferForm,
    VerifyForm,
)
from gridguard.control.models import (
    AlertKind,
    ArrivalStatus,
    Category,
    ControlOrder,
    Measure,
    NeedStatus,
    OrderStatus,
    Policy,
    PolicySet,
    ScheduledTest,
    Symptom,
    TeamRole,
)
from gridguard.core.errors import ApplicationError
from gridguard.core.forms import add_service_error, form_page, or_404, safe_next
from gridguard.imports.selectors import import_roots
from gridguard.people import selectors as people_selectors
from gridguard.people.filters import bool_param, int_param, node_param


def _order(request: HttpRequest, pk: int) -> ControlOrder:
    return or_404(selectors.order_get, user=request.user, pk=pk)


def order_filters(request: HttpRequest) -> dict[str, Any]:
    """The ledger's GET filters, shared by the page and its export."""
    g = request.GET
    status = g.get("status", OrderStatus.ACTIVE)
    return {
        "node": node_param(request),
        "status": status if status in OrderStatus.values or status == "" else OrderStatus.ACTIVE,
        "category": g.get("category", "") if g.get("category") in Category.values else "",
        "measure": g.get("measure", "") if g.get("measure") in Measure.values else "",
        "search": g.get("q", "").strip(),
        "team_incomplete": bool_param(g.get("team_incomplete")) is True,
        "with_alerts": bool_param(g.get("alerts")) is True,
    }


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    filters = order_filters(request)
    try:
        page = selectors.order_page(
            scope=scope, cursor=request.GET.get("cursor") or None, total=True, **filters
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("control:orders")
    return render(
        request,
        "control/orders.html",
        {
            "page": page,
            "filters": filters,
            "node": filters["node"],
            "categories": Category.choices,
            "measures": Measure.choices,
            "statuses": OrderStatus.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def orders_export(request: HttpRequest) -> HttpResponse | FileResponse:
    from gridguard.control.exports import orders_xlsx

    filters = order_filters(request)
    try:
        return orders_xlsx(actor=current_user(request), filters=filters, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("control:orders")


@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not request.GET.get("person"):
        return key_person_add(request)
    person = or_404(people_selectors.person_get, scope=scope, pk=int_param(request.GET.get("person")) or 0)
    form = OrderForm(request.POST or None, initial={"start_date": timezone.localdate()})
    return form_page(
        request,
        form,
        template="control/form.html",
        run=lambda data: services.order_create(actor=current_user(request), person=person, **data),
        done=lambda order: redirect("control:order", order.pk),
        context={"title": _("下达管控：{name}").format(name=person.name), "person": person},
        message=_("已下达管控"),
    )


def key_person_add(request: HttpRequest) -> HttpResponse:
    """登记重点人员: a person by identity number (the ledger's, or registered here) and an order."""
    scope = scope_for(request.user)
    form = KeyPersonForm(
        request.POST or None, initial={"start_date": timezone.localdate()}, nodes=import_roots(scope=scope)
    )
    return form_page(
        request,
        form,
        template="control/form.html",
        run=lambda data: services.key_person_add(actor=current_user(request), **data),
        done=lambda order: redirect("control:order", order.pk),
        context={"title": _("登记重点人员"), "back": reverse("control:orders")},
        message=_("已登记并下达管控"),
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    view = selectors.order_view(order)
    scope = scope_for(request.user)
    phones = services.team_phones(actor=current_user(request), orders=[order], ip=client_ip(request))
    return render(
        request,
        "control/order.html",
        {
            "v": view,
            "order": order,
            "team_phone": phones.get(order.pk, ""),
            "check_form": CheckForm(),
            "need_form": NeedForm(),
            "result_form": TestResultForm(),
            "can_control": scope.has("control.order") and scope.covers(order.node_path),
            "today": timezone.localdate(),
        },
    )


_ACTIONS: dict[str, tuple[type, str, Any]] = {
    "extend": (
        ExtendForm,
        _("延长管控"),
        lambda actor, order, d: services.order_extend(actor=actor, order=order, **d),
    ),
    "change": (
        ChangeForm,
        _("变更措施"),
        lambda actor, order, d: services.order_change_measure(actor=actor, order=order, **d),
    ),
    "place": (
        PlaceForm,
        _("变更隔离地点"),
        lambda actor, order, d: services.order_move_place(actor=actor, order=order, **d),
    ),
    "transfer": (TransferForm, _("转运登记"), None),
    "release": (
        ReleaseForm,
        _("解除管控"),
        lambda actor, order, d: services.order_release(actor=actor, order=order, **d),
    ),
    "cancel": (
        CancelForm,
        _("撤销管控"),
        lambda actor, order, d: services.order_cancel(actor=actor, order=order, **d),
    ),
}


@login_required
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in _ACTIONS:
        raise Http404()
    order = _order(request, pk)
    form_class, title, run = _ACTIONS[action]
    actor = current_user(request)
    if action == "transfer":
        alert = None
        alert_id = int_param(request.GET.get("alert"))
        if alert_id:
            alert = or_404(selectors.alert_get, user=request.user, pk=alert_id)

        def run(actor, order, d):  # type: ignore[no-untyped-def]
            return services.transfer_record(actor=actor, order=order, alert=alert, **d)

    context: dict[str, Any] = {
        "title": f"{title}：{order.person.name}",
        "order": order,
        "back": reverse("control:order", args=[order.pk]),
    }
    if action == "release":
        context["blockers"] = selectors.release_blockers(order)
    return form_page(
        request,
        form_class(request.POST or None),
        template="control/form.html",
        run=lambda d: run(actor, order, d),
        done=lambda _r: redirect("control:order", order.pk),
        context=context,
    )


@login_required
def order_team(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    candidates = selectors.team_candidates(order)
    current = {(m.role, m.staff_id) for m in order.team.all()}
    error = None
    if request.method == "POST":
        members = []
        for role in TeamRole.values:
            members += [(role, int(s)) for s in request.POST.getlist(role) if s.isdigit()]
        try:
            services.team_set(actor=current_user(request), order=order, members=members)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("已保存"))
            return redirect("control:order", order.pk)
    return render(
        request,
        "control/team.html",
        {
            "order": order,
            "error": error,
            "current": current,
            "roles": [(role, TeamRole(role).label, candidates[role]) for role in TeamRole.values],
        },
    )


@login_required
@require_POST
def order_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a check. From a card of the today list (htmx) the answer is that card, redrawn with
    the outcome, so the page stays where it was; otherwise back to ``next`` with a message. Either
    way a refusal names the person ("张三：体温须为数字")."""
    order = _order(request, pk)
    form = CheckForm(request.POST)
    card = bool(request.headers.get("HX-Request") and request.POST.get("card"))
    if form.is_valid():
        try:
            result = services.check_record(
                order=order,
                actor=current_user(request),
                temperature=form.cleaned_data["temperature"],
                symptoms=form.cleaned_data["symptoms"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if result.alerts:
                level, text = "error", _("已记录，并已发出预警：{alert}").format(
                    alert="；".join(f"{a.get_kind_display()} {a.detail}" for a in result.alerts)
                )
            else:
                level, text = "success", _("已记录体温 {t}℃").format(t=result.check.temperature)
            if card:
                return _today_card(request, order, level, text)
            messages.add_message(request, messages.ERROR if level == "error" else messages.SUCCESS, text)
            return redirect(safe_next(request, request.POST.get("next"), reverse("control:order", args=[order.pk])))
    errors = [f"{order.person.name}：{error}" for field_errors in form.errors.values() for error in field_errors]
    if card:
        return _today_card(request, order, "error", "；".join(errors))
    for error in errors:
        messages.error(request, error)
    return redirect(safe_next(request, request.POST.get("next"), reverse("control:order", args=[order.pk])))


def _card_context() -> dict[str, Any]:
    """What every card of the today list shares, made once per page rather than once per card: the
    symptom boxes as plain text (their labels translated once, not per card) and the list's URL."""
    return {
        "symptom_choices": [(str(value), str(label)) for value, label in Symptom.choices],
        "today": timezone.localdate(),
        "today_url": reverse("control:today"),
    }


def _today_card(request: HttpRequest, order: ControlOrder, level: str, text: str) -> HttpResponse:
    """One card of the today list, with the outcome of what was just done on it."""
    user = current_user(request)
    rows = selectors.my_persons_today(user=user, order_ids=[order.pk])
    if not rows:  # no longer on the team, or the order has ended
        return HttpResponse(
            format_html('<div class="card today-card" id="order-{}"><p>{}</p></div>', order.pk, text)
        )
    row = rows[0]
    row.phone = services.team_phones(actor=user, orders=[row.order], ip=client_ip(request)).get(order.pk, "")
    return render(
        request,
        "control/_today_card.html",
        {
            "r": row,
            "card_message": text,
            "card_level": level,
            **_card_context(),
        },
    )


@login_required
@require_POST
def order_link(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    actor = current_user(request)
    try:
        if request.POST.get("revoke"):
            services.link_revoke(actor=actor, order=order)
            messages.success(request, _("自报链接已停用"))
            return redirect("control:order", order.pk)
        _link, key = services.link_issue(actor=actor, order=order)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("control:order", order.pk)
    from gridguard.control.documents import qr_svg

    url = request.build_absolute_uri(reverse("public:self_report", args=[key]))
    return render(request, "control/link.html", {"order": order, "url": url, "qr": qr_svg(url)})


@login_required
def order_notice(request: HttpRequest, pk: int) -> HttpResponse:
    from gridguard.control.documents import release_notice_pdf

    order = _order(request, pk)
    try:
        pdf = release_notice_pdf(order, issuer=str(order.released_by) if order.released_by else "")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("control:order", order.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="release-{order.notice_no or order.pk}.pdf"'
    return response


@login_required
@require_POST
def order_need(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = NeedForm(request.POST)
    if form.is_valid():
        try:
            services.need_create(order=order, actor=current_user(request), **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("需求已登记"))
    else:
        messages.error(request, _("请填写需求类型和内容"))
    return redirect("control:order", order.pk)


@login_required
@require_POST
def test_result(request: HttpRequest, pk: int) -> HttpResponse:
    test = ScheduledTest.objects.select_related("order").filter(pk=pk).first()
    if test is None:
        raise Http404()
    _order(request, test.order_id)
    form = TestResultForm(request.POST)
    if form.is_valid():
        try:
            services.test_record(actor=current_user(request), test=test, result=form.cleaned_data["result"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已记录检测结果"))
    back = reverse("control:order", args=[test.order_id])
    return redirect(safe_next(request, request.POST.get("next"), back))


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """三包一成员的“我的管控对象”: today's checks, tests and alerts, phone first."""
    user = current_user(request)
    rows = selectors.my_persons_today(user=user)
    phones = services.team_phones(actor=user, orders=[r.order for r in rows], ip=client_ip(request))
    for row in rows:
        row.phone = phones.get(row.order.pk, "")
    return render(
        request,
        "control/today.html",
        {"rows": rows, **_card_context()},
    )


def _alert_context(request: HttpRequest, *, total: bool = False) -> dict[str, Any]:
    scope = scope_for(request.user)
    node = node_param(request)
    open_only = request.GET.get("all") != "1"
    kind = request.GET.get("kind", "") if request.GET.get("kind") in AlertKind.values else ""
    page = selectors.alert_page(
        scope=scope,
        node=node,
        open_only=open_only,
        kind=kind,
        cursor=request.GET.get("cursor") or None,
        total=total,
    )
    return {
        "page": page,
        "node": node,
        "open_only": open_only,
        "kind": kind,
        "kinds": AlertKind.choices,
        "now": timezone.localtime(),
    }


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    return render(request, "control/alerts.html", _alert_context(request, total=True))


@login_required
def alert_rows(request: HttpRequest) -> HttpResponse:
    """The alert table's body, polled by htmx so the list updates without reloading."""
    return render(request, "control/_alert_rows.html", _alert_context(request))


@login_required
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    alert = or_404(selectors.alert_get, user=request.user, pk=pk)
    return form_page(
        request,
        ResolveForm(request.POST or None),
        template="control/form.html",
        run=lambda d: services.alert_resolve(actor=current_user(request), alert=alert, **d),
        done=lambda _a: redirect(
            safe_next(
                request,
                request.GET.get("next"),
                reverse("control:order", args=[alert.order_id]) if alert.order_id else reverse("control:alerts"),
            )
        ),
        context={
            "title": _("处置预警：{name} {kind} {detail}").format(
                name=alert.subject.name, kind=alert.get_kind_display(), detail=alert.detail  # type: ignore[attr-defined]
            ),
            "back": reverse("control:alerts"),
        },
    )


@login_required
def arrivals(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    node = node_param(request)
    status = request.GET.get("status", ArrivalStatus.PENDING)
    status = status if status in ArrivalStatus.values or status == "" else ArrivalStatus.PENDING
    page = selectors.arrival_page(
        scope=scope, node=node, status=status, cursor=request.GET.get("cursor") or None, total=True
    )
    return render(
        request,
        "control/arrivals.html",
        {
            "page": page,
            "node": node,
            "status": status,
            "statuses": [(c, label) for c, label in ArrivalStatus.choices if c != ArrivalStatus.REPEAT],
        },
    )


@login_required
def arrival_verify(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    report = or_404(selectors.arrival_get, scope=scope, pk=pk)
    if report.repeat_of_id:  # a repeat is read and verified on the report it repeats
        return redirect(reverse("control:arrival", args=[report.repeat_of_id]) + f"#repeat-{report.pk}")
    matches = selectors.arrival_matches(report, scope)
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = next((p for p in matches if str(p.pk) == request.POST.get("person")), None)
        try:
            services.arrival_verify(
                actor=current_user(request), report=report, person=person, **form.cleaned_data
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已核实"))
            if report.order_id:
                return redirect("control:order", report.order_id)
            return redirect("control:arrivals")
    repeats = selectors.arrival_repeats(report)
    return render(
        request,
        "control/arrival.html",
        {
            "report": report,
            "matches": matches,
            "form": form,
            "repeats": repeats,
            "times": report.times + len(repeats),
            "where": selectors.arrival_address(report),
        },
    )


@login_required
def poster(request: HttpRequest, node_id: int) -> HttpResponse:
    from gridguard.control.documents import poster_svg
    from gridguard.control.public import poster_url
    from gridguard.grids import selectors as grid_selectors

    node = or_404(grid_selectors.node_get, scope=scope_for(request.user), node_id=node_id)
    url = request.build_absolute_uri(poster_url(node))
    return render(request, "control/poster.html", {"node": node, "url": url, "qr": poster_svg(url)})


@login_required
def posters(request: HttpRequest) -> HttpResponse:
    """来返报备二维码: the posters of the user's grids and compounds, to print and put up."""
    nodes = selectors.poster_nodes(scope_for(request.user))
    return render(request, "control/posters.html", {"nodes": nodes, "limit": 500})


@login_required
def needs(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    node = node_param(request)
    status = request.GET.get("status", "")
    status = status if status in NeedStatus.values else ""
    page = selectors.need_page(
        scope=scope, node=node, status=status, cursor=request.GET.get("cursor") or None, total=True
    )
    return render(
        request,
        "control/needs.html",
        {
            "page": page,
            "node": node,
            "status": status,
            "statuses": NeedStatus.choices,
            "form": NeedUpdateForm(),
        },
    )


@login_required
@require_POST
def need_update(request: HttpRequest, pk: int) -> HttpResponse:
    need = or_404(selectors.need_get, scope=scope_for(request.user), pk=pk)
    form = NeedUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.need_update(actor=current_user(request), need=need, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已更新"))
    return redirect(safe_next(request, request.POST.get("next"), reverse("control:needs")))


@login_required
def policies(request: HttpRequest) -> HttpResponse:
    """管控政策: choose the town's policy set; each policy's values, and their history."""
    services.policy_scope(current_user(request))
    if request.method == "POST":
        chosen = PolicySet.objects.filter(pk=int_param(request.POST.get("policy_set")) or 0).first()
        if chosen is None:
            messages.error(request, _("请选择方案"))
        else:
            services.policy_set_choose(actor=current_user(request), policy_set=chosen)
            messages.success(request, _("已将“{name}”设为当前方案").format(name=chosen.name))
        return redirect("control:policies")
    sets = list(PolicySet.objects.order_by("id"))
    current = next((p for p in sets if p.is_current), sets[0] if sets else None)
    shown_id = int_param(request.GET.get("set"))
    shown = next((p for p in sets if p.pk == shown_id), current)
    return render(
        request,
        "control/policies.html",
        {
            "sets": sets,
            "current": current,
            "shown": shown,
            "rows": selectors.policy_rows(shown) if shown else [],
            "history": selectors.policy_history(shown) if shown else [],
        },
    )


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    services.policy_scope(current_user(request))
    policy = Policy.objects.select_related("policy_set").filter(pk=pk).first()
    if policy is None:
        raise Http404()
    rows = {r.policy.pk: r for r in selectors.policy_rows(policy.policy_set)}
    others = [r.policy for r in rows.values() if r.policy.pk != policy.pk]
    form = PolicyForm(
        request.POST or None,
        policies=others,
        running=rows[policy.pk].running,
        initial={
            "days": policy.days,
            "check_slots": policy.check_slots,
            "test_days": ", ".join(str(d) for d in policy.test_days or []),
            "next_policy": policy.next_policy_id or "",
            "note": policy.note,
        },
    )
    back = reverse("control:policies") + f"?set={policy.policy_set_id}"

    def run(data: dict[str, Any]) -> Any:
        nxt = next((p for p in others if str(p.pk) == data["next_policy"]), None)
        return services.policy_update(
            actor=current_user(request),
            policy=policy,
            days=data["days"],
            check_slots=data["check_slots"],
            test_days=data["test_days"],
            next_policy=nxt,
            note=data["note"],
            apply_running=data["apply_running"],
        )

    return form_page(
        request,
        form,
        template="control/form.html",
        run=run,
        done=lambda _change: redirect(back),
        context={
            "title": _("修改政策：{policy}（{set}）").format(policy=policy, set=policy.policy_set.name),
            "back": back,
        },
    )
