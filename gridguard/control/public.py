"""Public pages (no login): the arrival self-report reached by a poster's QR code, and a person's
own temperature report through a secret link. Rate-limited per address; they confirm receipt and
never show anyone's data back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from gridguard.control import rules, services
from gridguard.control.forms import ArrivalForm, NeedForm, SelfCheckForm
from gridguard.core.errors import ApplicationError, NotFound
from gridguard.core.forms import add_service_error
from gridguard.grids.models import GridNode


def _post_rate(group: str, request: HttpRequest) -> str:
    return settings.PUBLIC_POST_RATE


def _get_rate(group: str, request: HttpRequest) -> str:
    return settings.PUBLIC_GET_RATE


def poster_signature(node_id: int) -> str:
    """A short signature in the poster's address, so the form cannot be aimed at any node by
    counting ids."""
    return salted_hmac("gridguard.arrival-poster", str(node_id)).hexdigest()[:12]


def poster_url(node: GridNode) -> str:
    return reverse("public:arrival", args=[node.pk, poster_signature(node.pk)])


def _address_choices(poster: GridNode) -> list[Any]:
    """The buildings under the poster's node, for the person to pick theirs: "建设小区 3栋" once per
    building, grouped by compound (a compound laid over several micro-grids is one group). A
    building outside any compound is listed by its own name."""
    nodes = list(
        GridNode.objects.filter(
            path__startswith=poster.path, is_active=True, level__code__in=["building", "compound"]
        )
        .order_by("path")
        .values_list("pk", "path", "name", "level__code")[:600]
    )
    compounds = {path: name for _pk, path, name, code in nodes if code == "compound"}
    step = GridNode.steplen
    groups: dict[str, list[tuple[str, str]]] = {}
    loose: list[tuple[str, str]] = []
    for pk, path, name, code in nodes:
        if code != "building":
            continue
        compound = next(
            (compounds[path[:i]] for i in range(len(path) - step, 0, -step) if path[:i] in compounds), None
        )
        if compound is None:
            loose.append((str(pk), name))
        else:
            groups.setdefault(compound, []).append((str(pk), f"{compound} {name}"))
    return loose + [(compound, options) for compound, options in groups.items()]


@never_cache
@ratelimit(key="ip", rate=_get_rate, method="GET", block=True)
@ratelimit(key="ip", rate=_post_rate, method="POST", block=True)
def arrival(request: HttpRequest, node_id: int, sig: str) -> HttpResponse:
    poster = GridNode.objects.filter(pk=node_id, is_active=True).first()
    if poster is None or not constant_time_compare(sig, poster_signature(node_id)):
        raise Http404(_("二维码无效，请扫描张贴处的最新二维码"))
    form = ArrivalForm(request.POST or None, address_choices=_address_choices(poster))
    if request.method == "POST":
        data = request.POST.dict()
        report = _submit(
            form,
            run=lambda: services.arrival_submit(poster=poster, data=data),
            check=lambda: rules.clean_arrival(data, today=timezone.localdate()),
        )
        if report is not None:
            return render(request, "control/public_done.html", {"poster": poster})
    return render(request, "control/public_arrival.html", {"form": form, "poster": poster})


def _submit(form: Form, *, run: Callable[[], Any], check: Callable[[], Any]) -> Any:
    """Run the service when the form is valid. When it is not, still run the rules' checks so that
    every wrong field is named at once, not one per submit."""
    valid = form.is_valid()
    try:
        if valid:
            return run()
        check()
    except ApplicationError as exc:
        add_service_error(form, exc)
    return None


@never_cache
@ratelimit(key="ip", rate=_get_rate, method="GET", block=True)
@ratelimit(key="ip", rate=_post_rate, method="POST", block=True)
def self_report(request: HttpRequest, key: str) -> HttpResponse:
    try:
        order = services.link_order(key)
    except NotFound as exc:
        return render(request, "control/public_invalid.html", {"message": exc.message}, status=404)
    form = SelfCheckForm(request.POST if request.POST.get("form") == "check" else None)
    need_form = NeedForm(request.POST if request.POST.get("form") == "need" else None)
    done = ""
    post = request.POST
    if request.method == "POST" and post.get("form") == "check":
        result = _submit(
            form,
            run=lambda: services.check_record(order=order, self_reported=True, **form.cleaned_data),
            check=lambda: rules.clean_check(post.get("temperature"), post.getlist("symptoms")),
        )
        if result is not None:
            done = _("已收到：{t}℃。").format(t=result.check.temperature)
            if result.alerts:
                done += _("体温或症状异常，已通知您的网格员和医务人员，请留在家中等候联系。")
            form = SelfCheckForm()
    elif request.method == "POST" and post.get("form") == "need":
        need = _submit(
            need_form,
            run=lambda: services.need_create(order=order, self_reported=True, **need_form.cleaned_data),
            check=lambda: rules.clean_need(post.get("kind"), post.get("detail")),
        )
        if need is not None:
            done = _("需求已提交，社区会尽快联系您。")
            need_form = NeedForm()
    # Only the given name's first character is shown back: the page is reached by a link.
    return render(
        request,
        "control/public_self.html",
        {
            "form": form,
            "need_form": need_form,
            "done": done,
            "initial": order.person.name[:1],
            "end_date": order.end_date,
        },
    )
