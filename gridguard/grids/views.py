from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridguard.accounts.scope import current_user, scope_for
from gridguard.core.errors import ApplicationError, NotFound
from gridguard.core.forms import form_page
from gridguard.grids import selectors, services
from gridguard.grids.forms import NodeChoiceForm, NodeCreateForm, RenameForm, SplitForm, StaffForm
from gridguard.grids.models import GridNode, NodeEvent, StaffAssignment


def _node_or_404(request: HttpRequest, pk: int) -> GridNode:
    try:
        return selectors.node_get(scope=scope_for(request.user), node_id=pk)
    except NotFound:
        raise Http404(_("记录不存在或不在您的管辖范围内")) from None


def _scope_nodes(request: HttpRequest):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    qs = GridNode.objects.select_related("level").filter(is_active=True).order_by("path")
    return qs if scope.everything else qs.filter(scope.q("path"))


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    roots = selectors.visible_roots(scope=scope_for(request.user))
    if len(roots) == 1:
        return redirect("grids:node", roots[0].pk)
    return render(request, "grids/roots.html", {"roots": roots})


@login_required
def node_detail(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    scope = scope_for(request.user)
    context = {
        "node": node,
        "ancestors": selectors.node_ancestors_visible(scope=scope, node=node),
        "children": selectors.node_children(scope=scope, node=node),
        "staff": selectors.active_staff(node),
        "events": NodeEvent.objects.filter(node=node).select_related("actor")[:20],
        "create_form": NodeCreateForm(),
        "rename_form": RenameForm(initial={"name": node.name}),
        "staff_form": StaffForm(),
    }
    return render(request, "grids/node.html", context)


def _post_action(request: HttpRequest, node: GridNode, form, template: str, run, extra=None):  # type: ignore[no-untyped-def]
    """A tree action: the result (or the node itself) is shown after a successful run."""
    return form_page(
        request,
        form,
        template=template,
        run=run,
        done=lambda result: redirect("grids:node", (result or node).pk),
        context={"node": node, **(extra or {})},
    )


@login_required
def child_create(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    form = NodeCreateForm(request.POST or None)
    return _post_action(
        request,
        node,
        form,
        "grids/form.html",
        lambda d: services.node_create(
            actor=current_user(request), parent=node, name=d["name"], level=d["level"], code=d["code"]
        ),
        {"title": _("新建下级")},
    )


@login_required
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    form = RenameForm(request.POST or None, initial={"name": node.name})
    return _post_action(
        request,
        node,
        form,
        "grids/form.html",
        lambda d: services.node_rename(actor=current_user(request), node=node, name=d["name"]),
        {"title": _("更名")},
    )


@login_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    form = NodeChoiceForm(
        request.POST or None, nodes=_scope_nodes(request).exclude(path__startswith=node.path)
    )
    form.fields["target"].label = _("移动到（新的上级）")
    return _post_action(
        request,
        node,
        form,
        "grids/form.html",
        lambda d: services.node_move(actor=current_user(request), node=node, new_parent=d["target"]),
        {"title": _("移动")},
    )


@login_required
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    form = NodeChoiceForm(
        request.POST or None, nodes=_scope_nodes(request).filter(level=node.level).exclude(pk=node.pk)
    )
    form.fields["target"].label = _("并入（目标网格）")
    return _post_action(
        request,
        node,
        form,
        "grids/form.html",
        lambda d: services.node_merge(actor=current_user(request), source=node, target=d["target"]),
        {
            "title": _("合并"),
            "help": _("本节点的下级、住户、人员、单位和人员分工都将并入目标节点，本节点停用，历史保留。"),
        },
    )


@login_required
def split(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    form = SplitForm(request.POST or None, node=node)
    return _post_action(
        request,
        node,
        form,
        "grids/form.html",
        lambda d: services.node_split(
            actor=current_user(request),
            node=node,
            new_name=d["new_name"],
            child_ids=[c.pk for c in d["children"]],
            household_ids=d["households"],
        ),
        {"title": _("拆分")},
    )


@login_required
def staff_add(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    form = StaffForm(request.POST or None)

    def run(d: dict) -> GridNode:
        services.staff_assign(
            actor=current_user(request), node=node, duty=d["duty"], name=d["name"], phone=d["phone"]
        )
        return node  # back to the node page, where the new assignment is listed

    return _post_action(request, node, form, "grids/form.html", run, {"title": _("分配人员")})


@login_required
@require_POST
def staff_remove(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    assignment = StaffAssignment.objects.filter(pk=assignment_id, node=node).first()
    if assignment is None:
        raise Http404
    try:
        services.staff_remove(actor=current_user(request), assignment=assignment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("grids:node", node.pk)


@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    data = selectors.grid_board(scope=scope_for(request.user), node=node)
    return render(request, "grids/board.html", {"node": node, "board": data})


@login_required
def board_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The board as an A4 page to print and post at the grid: large type, no site header."""
    node = _node_or_404(request, pk)
    scope = scope_for(request.user)
    data = selectors.grid_board(scope=scope, node=node)
    context = {
        "node": node,
        "board": data,
        "above": selectors.node_ancestor_names(node),
        "today": timezone.localdate(),
    }
    return render(request, "grids/board_print.html", context)


@login_required
def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node_or_404(request, pk)
    data = selectors.coverage(scope=scope_for(request.user), node=node)
    return render(request, "grids/coverage.html", {"node": node, "c": data})
