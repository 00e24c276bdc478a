"""Import and export pages. Thin: the work is in ``imports.services`` and ``imports.exports``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridguard.accounts.scope import current_user, scope_for
from gridguard.accounts.services import client_ip
from gridguard.core.counting import bounded_count
from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.core.forms import add_service_error
from gridguard.imports import exports, selectors
from gridguard.imports.forms import ImportForm
from gridguard.imports.kinds import find_kind, kinds_for
from gridguard.imports.models import ExportJob, ImportJob
from gridguard.imports.services.exports import export_job_file
from gridguard.imports.tasks import export_job_submit, import_job_submit
from gridguard.people.filters import FILTERS

REPORT_ROWS_ON_PAGE = 500


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "imports/forbidden.html", {"message": message}, status=403)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    """The user's import jobs and the upload form."""
    scope = scope_for(request.user)
    kinds = [(kind.code, str(kind.label)) for kind in kinds_for(scope)]
    if not kinds:  # no right to import any kind (the ledgers' "imports.import", a lab's results …)
        return _forbidden(request, _("您的角色不能导入数据"))
    user = current_user(request)
    initial = {"kind": request.GET["kind"]} if request.GET.get("kind") in dict(kinds) else None
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        roots=selectors.import_roots(scope=scope),
        kinds=kinds,
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_submit(
                actor=user,
                kind=form.cleaned_data["kind"],
                root=form.cleaned_data["root"],
                upload=form.cleaned_data["file"],
                good_rows_only=form.cleaned_data["good_rows_only"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("imports:detail", job.pk)
    return render(
        request,
        "imports/list.html",
        {
            "form": form,
            "jobs": selectors.job_list(user=user),
            "total": bounded_count(ImportJob.objects.filter(created_by=user)),
            "kinds": kinds,
        },
    )


def _job(request: HttpRequest, pk: int) -> ImportJob:
    try:
        return selectors.job_get(user=current_user(request), scope=scope_for(request.user), pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或不在您的管辖范围内")) from None


def _job_context(job: ImportJob) -> dict[str, Any]:
    kind = find_kind(job.kind)
    return {
        "job": job,
        "summary_text": kind.describe(job.summary) if kind and kind.describe and isinstance(job.summary, dict) else "",
        "result_link": (reverse(kind.link[0]), kind.link[1]) if kind and kind.link else None,
        "errors": job.errors[:REPORT_ROWS_ON_PAGE],
        "more_errors": max(0, len(job.errors) - REPORT_ROWS_ON_PAGE),
        "warnings": job.summary.get("warnings", []) if isinstance(job.summary, dict) else [],
    }


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "imports/detail.html", _job_context(_job(request, pk)))


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment the job page polls (htmx, every second) until the job is finished."""
    return render(request, "imports/_status.html", _job_context(_job(request, pk)))


@login_required
def job_report(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = HttpResponse(exports.report_workbook(job), content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = exports.attachment(f"导入报告_{job.pk}.xlsx")
    return response


@login_required
def template(request: HttpRequest, kind: str) -> HttpResponse:
    found = find_kind(kind)
    if found is None:
        raise Http404()
    response = HttpResponse(exports.template_workbook(kind), content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = exports.attachment(found.template().name + ".xlsx")
    return response


@login_required
def export(request: HttpRequest, kind: str) -> HttpResponse | FileResponse:
    """The filtered list (same GET filters as the list page) as .xlsx; masked unless can_reveal.
    A short list downloads at once; a longer one becomes a background job, whose page shows its
    progress and then the download."""
    run = exports.EXPORTS.get(kind)
    if run is None:
        raise Http404()
    scope = scope_for(request.user)
    if not scope.has("imports.export"):
        return _forbidden(request, _("您的角色不能导出数据"))
    user = current_user(request)
    filters = FILTERS[kind](request.GET, user)
    if not selectors.export_is_small(kind, scope, settings.EXPORT_SYNC_ROWS, **filters):
        job = export_job_submit(actor=user, kind=kind, params=request.GET, ip=client_ip(request))
        return redirect("imports:export_detail", job.pk)
    try:
        return exports.export_response(run, actor=user, ip=client_ip(request), **filters)
    except PermissionDenied as exc:
        return _forbidden(request, exc.message)
    except NotFound:
        raise Http404(_("记录不存在或不在您的管辖范围内")) from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("core:home")


def _export_job(request: HttpRequest, pk: int) -> ExportJob:
    try:
        return selectors.export_job_get(user=current_user(request), pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或不在您的管辖范围内")) from None


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    """The user's background exports, newest first."""
    if not scope_for(request.user).has("imports.export"):
        return _forbidden(request, _("您的角色不能导出数据"))
    user = current_user(request)
    context = {
        "jobs": selectors.export_job_list(user=user),
        "total": bounded_count(ExportJob.objects.filter(created_by=user)),
        "sync_rows": settings.EXPORT_SYNC_ROWS,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
    }
    return render(request, "imports/exports.html", context)


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _export_job(request, pk)
    list_url = reverse(f"people:{job.kind}") + (f"?{job.query}" if job.query else "")
    return render(request, "imports/export_detail.html", {"job": job, "list_url": list_url})


@login_required
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment the export page polls (htmx, every second) until the file is made."""
    return render(request, "imports/_export_status.html", {"job": _export_job(request, pk)})


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse | HttpResponse:
    job = _export_job(request, pk)
    try:
        path = export_job_file(job)
    except NotFound as exc:
        messages.error(request, exc.message)
        return redirect("imports:export_detail", job.pk)
    response = FileResponse(path.open("rb"), content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = exports.attachment(job.filename)
    return response
