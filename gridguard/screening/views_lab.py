"""Transport and lab pages: boxes of a round and a point, receiving a box, results by hand or by
scan, the recall list by address and the turnaround table. Thin: the work is in
``services.transport``, ``services.lab`` and ``selectors.lab``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridguard.accounts.scope import Scope, current_user, scope_for
from gridguard.accounts.services import client_ip
from gridguard.core.errors import ApplicationError
from gridguard.core.forms import add_service_error, or_404
from gridguard.imports.exports import export_response
from gridguard.screening import exports_lab
from gridguard.screening.models import RecallStatus, Result
from gridguard.screening.selectors import lab as selectors
from gridguard.screening.services.lab import result_record
from gridguard.screening.services.transport import box_pack, box_receive, tube_codes_parse


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "imports/forbidden.html", {"message": message}, status=403)


def _may_read(scope: Scope) -> bool:
    return selectors.may_read(scope)


class PackForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("箱号"), max_length=40)
    courier = forms.CharField(label=gettext_lazy("转运人"), max_length=40)
    lab = forms.CharField(label=gettext_lazy("送检机构"), max_length=80, required=False)
    tubes = forms.CharField(
        label=gettext_lazy("管码"), widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text=gettext_lazy("逐个扫描管码（每行一个），或勾选下方等待转运的管"), required=False,
    )


class ResultForm(forms.Form):
    tube_code = forms.CharField(
        label=gettext_lazy("管码"), max_length=60,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "text"}),
    )
    result = forms.ChoiceField(
        label=gettext_lazy("结果"), choices=[c for c in Result.choices if c[0]], widget=forms.RadioSelect,
    )
    tested_at = forms.CharField(
        label=gettext_lazy("检测时间"), required=False, max_length=30,
        help_text=gettext_lazy("不填为现在；如 2026-12-01 14:30"),
    )
    lab = forms.CharField(label=gettext_lazy("检测机构"), required=False, max_length=80)


@login_required
def lab_home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not _may_read(scope):
        return _forbidden(request, _("您的角色不能查看核酸检测"))
    return render(request, "screening/lab/home.html", {"rounds": selectors.rounds_visible(scope=scope)})


@login_required
def lab_round(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's transport and lab page: boxes to receive, results, recalls, turnaround, and the
    form to enter results by hand or by scanning."""
    scope = scope_for(request.user)
    if not _may_read(scope):
        return _forbidden(request, _("您的角色不能查看核酸检测"))
    rnd = or_404(selectors.round_get, scope=scope, pk=pk)
    form = ResultForm(
        request.POST or None,
        initial={"result": request.GET.get("result") or Result.NEGATIVE, "lab": request.GET.get("lab", "")},
    )
    if request.method == "POST":
        if not scope.has("screening.lab"):
            return _forbidden(request, _("您的角色不能录入核酸检测结果"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                result_record(actor=current_user(request), rnd=rnd, tube_code=d["tube_code"], result=d["result"],
                              tested_at=d["tested_at"], lab=d["lab"])
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("管 {code}：{result}，已录入").format(
                    code=d["tube_code"].strip().upper(), result=Result(d["result"]).label))
                # the chosen result and lab stay for the next scan (a batch of negatives: scan, Enter, scan …)
                query = f"?result={d['result']}&lab={d['lab']}" if d["lab"] else f"?result={d['result']}"
                return redirect(reverse("screening:lab_round", args=[rnd.pk]) + query + "#result-form")
    table = selectors.turnaround(scope=scope, rnd=rnd, limit=0)
    return render(request, "screening/lab/round.html", {
        "rnd": rnd, "form": form, "may_enter": scope.has("screening.lab"),
        "boxes": selectors.boxes(scope=scope, rnd=rnd),
        "points": selectors.points_of(scope=scope, rnd=rnd),
        "table": table, "recalls": selectors.recall_counts(scope=scope, rnd=rnd),
    })


@login_required
def lab_point(request: HttpRequest, pk: int) -> HttpResponse:
    """A point's transport page: its closed tubes waiting (more than an hour in red), the packing
    form and its boxes."""
    scope = scope_for(request.user)
    point = or_404(selectors.point_get, scope=scope, pk=pk, user=request.user)
    may_pack = scope.has("screening.sample")
    form = PackForm(request.POST or None, initial={"code": timezone.localtime().strftime("B%m%d%H%M")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        codes = tube_codes_parse(d["tubes"]) + [c.upper() for c in request.POST.getlist("tube") if c.strip()]
        try:
            box = box_pack(actor=current_user(request), point=point, code=d["code"], courier=d["courier"],
                           lab=d["lab"], tube_codes=list(dict.fromkeys(codes)))
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已装箱 {code}，共 {n} 管").format(code=box.code, n=len(set(codes))))
            return redirect("screening:lab_point", point.pk)
    now = timezone.now()
    return render(request, "screening/lab/point.html", {
        "point": point, "rnd": point.round, "form": form, "may_pack": may_pack,
        "unpacked": selectors.tubes_unpacked(point=point, now=now),
        "waiting": len(selectors.tubes_waiting(point=point, now=now)),
        "boxes": selectors.boxes(scope=scope, rnd=point.round, point=point),
        "checked": set(request.POST.getlist("tube")),
    })


@login_required
def box_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    box = or_404(selectors.box_get, scope=scope, pk=pk)
    return render(request, "screening/lab/box.html", {
        "box": box, "rnd": box.point.round, "tubes": selectors.box_tubes(box=box), "may_receive": scope.has("screening.lab"),
    })


@login_required
@require_POST
def box_receive_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    box = or_404(selectors.box_get, scope=scope, pk=pk)
    try:
        box = box_receive(actor=current_user(request), box=box)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已接收转运箱 {code}").format(code=box.code))
    return redirect("screening:lab_box", box.pk)


@login_required
def recalls(request: HttpRequest, pk: int) -> HttpResponse:
    """The recalled persons by address, for the door-to-door team."""
    scope = scope_for(request.user)
    if not _may_read(scope):
        return _forbidden(request, _("您的角色不能查看核酸检测"))
    rnd = or_404(selectors.round_get, scope=scope, pk=pk)
    status = request.GET.get("status", "")
    status = status if status in RecallStatus.values else ""
    return render(request, "screening/lab/recalls.html", {
        "rnd": rnd, "rows": selectors.recall_list(scope=scope, rnd=rnd, status=status), "status": status,
        "statuses": RecallStatus.choices, "counts": selectors.recall_counts(scope=scope, rnd=rnd),
    })


@login_required
def turnaround(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """Sampled → result per tube against the round's target; ``?format=xlsx`` exports it."""
    scope = scope_for(request.user)
    if not _may_read(scope):
        return _forbidden(request, _("您的角色不能查看核酸检测"))
    rnd = or_404(selectors.round_get, scope=scope, pk=pk)
    only_over = request.GET.get("over") == "1"
    if request.GET.get("format") == "xlsx":
        return export_response(exports_lab.turnaround_export, actor=current_user(request), ip=client_ip(request),
                               rnd=rnd, only_over=only_over)
    context: dict[str, Any] = {"rnd": rnd, "table": selectors.turnaround(scope=scope, rnd=rnd, only_over=only_over),
                               "only_over": only_over}
    return render(request, "screening/lab/turnaround.html", context)
