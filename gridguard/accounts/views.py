from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridguard.accounts import selectors, services
from gridguard.accounts.models import AuditLog, DeviceToken
from gridguard.accounts.scope import current_user, scope_for
from gridguard.core.counting import bounded_count
from gridguard.core.errors import ApplicationError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    before = request.GET.get("before")
    action = request.GET.get("action", "")
    entries = selectors.audit_log_list(
        scope=scope, action=action, before_id=int(before) if before and before.isdigit() else None
    )
    return render(
        request,
        "accounts/audit.html",
        {
            "entries": entries,
            "total": bounded_count(selectors.audit_log_filtered(scope=scope, action=action)),
            "actions": AuditLog.Action.choices,
            "action": action,
            "next_before": entries[-1].pk if len(entries) == 50 else None,
        },
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's device tokens. A new token's key is shown once, on the page the POST redirects
    to (kept in the session for that one page), so reloading the page makes no second token."""
    if request.method == "POST":
        try:
            _, key = services.device_token_create(
                actor=current_user(request),
                user=current_user(request),
                name=request.POST.get("name", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            request.session["new_device_token"] = key
        return redirect("accounts:tokens")
    new_key = request.session.pop("new_device_token", None)
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": DeviceToken.objects.filter(user=current_user(request)).order_by("-id"),
            "new_key": new_key,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(DeviceToken, pk=pk, user=current_user(request))
    services.device_token_revoke(actor=current_user(request), token=token)
    messages.success(request, _("令牌已停用"))
    return redirect("accounts:tokens")
