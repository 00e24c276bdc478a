"""The sampler's pages: "my points", and per point a phone-first scanning page that works offline
(its scans go to an IndexedDB queue first and are sent to the scan API in batches; a service
worker keeps the page and its assets for a reload without network)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridguard.accounts.scope import current_user, scope_for
from gridguard.screening.models import CAPACITY, Mode
from gridguard.screening.selectors import sampler as selectors

# Bumped when the page's assets change, so the service worker drops its old cache.
SW_VERSION = "sampler-v1"
SW_ASSETS = (
    "gridguard/app.css",
    "gridguard/app.js",
    "vendor/htmx/htmx.min.js",
    "gridguard/screening/sampler.css",
    "gridguard/screening/sampler.js",
)


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    points = selectors.my_points(user=current_user(request))
    return render(request, "screening/sampler/points.html", {"points": points})


def _strings() -> dict[str, str]:
    """The page script's texts, translated here (the script has no catalogue of its own)."""
    return {
        "scan_tube": _("扫描或输入管码"),
        "scan_person": _("扫描核酸码或输入身份证号"),
        "queued": _("待上传"),
        "sending": _("上传中"),
        "offline": _("离线"),
        "online": _("在线"),
        "queued_offline": _("已暂存（离线），联网后自动上传"),
        "queued_count": _("待上传 {n} 条"),
        "local_full": _("此管已满（本机计数 {used}/{capacity}），请换新管"),
        "tube_new": _("新管 {code}：{mode}，可采 {capacity} 人"),
        "tube_current": _("当前管 {code}"),
        "tube_closed": _("管 {code} 已封管，请扫描新管码"),
        "tube_full_closed": _("此管已满并已自动封管，请扫描新管码"),
        "left": _("还剩 {n} 个位置"),
        "no_tube": _("请先扫描管码"),
        "bad_tube": _("管码应为 6–40 位字母、数字或 -"),
        "net_error": _("网络不通，稍后自动重试"),
        "login_again": _("登录已过期：请重新登录后再上传（扫码已暂存在本机）"),
        "batch_refused": _("上传被拒绝：{message}"),
        "batch_done": _("已上传 {n} 条：{ok} 条成功，{bad} 条需处理"),
        "confirm_cross": _("确认跨区域采样"),
        "walk_in": _("现场登记并采样"),
        "move": _("移管"),
        "move_to": _("目标管码"),
        "reason": _("原因"),
        "moved": _("已移到管 {code}"),
        "closed": _("已封管 {code}"),
        "close_empty": _("空管不能封管"),
        "need_online": _("此操作需要联网"),
        "members_none": _("此管还没有人"),
        "cancel": _("取消"),
        "cross_area": _("跨区域"),
        "camera_start": _("摄像头扫码"),
        "camera_stop": _("关闭摄像头"),
        "camera_denied": _("无法打开摄像头：请允许本页使用摄像头，或用扫码枪、键盘录入"),
    }


@login_required
def point_page(request: HttpRequest, round_id: int, point_id: int) -> HttpResponse:
    user = current_user(request)
    rnd, point = selectors.round_point(user=user, round_id=round_id, point_id=point_id)
    api = reverse("api:scans_upload", kwargs={"round_id": rnd.pk, "point_id": point.pk}).removesuffix("scans")
    modes = [{"value": m.value, "label": str(m.label), "capacity": CAPACITY[m]} for m in Mode]
    return render(request, "screening/sampler/point.html", {
        "rnd": rnd,
        "point": point,
        "api": api,
        "modes": modes,
        "strings": _strings(),
        "is_leader": selectors.is_leader(user=user, point=point),
        "reveal": scope_for(user).has("people.reveal"),
        "sw_url": reverse("screening:sampler_sw"),
        "sw_scope": reverse("screening:sampler_points"),
    })


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the sampler pages' own path so that its scope covers them."""
    config = {"version": SW_VERSION, "assets": [static(a) for a in SW_ASSETS],
              "scope": reverse("screening:sampler_points"), "api": "/api/"}
    return render(request, "screening/sampler/sw.js", {"config": json.dumps(config)},
                  content_type="text/javascript; charset=utf-8")
