from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gridguard.accounts.scope import current_user, scope_for
from gridguard.core import api_errors
from gridguard.core.errors import NotFound
from gridguard.grids import selectors, services
from gridguard.grids.models import Duty, GridNode, Level

router = Router(tags=["grids"])


class NodeOut(Schema):
    id: int
    name: str
    level: str
    level_name: str
    depth: int
    path: str
    code: str

    @staticmethod
    def from_node(node: GridNode) -> "NodeOut":
        return NodeOut(
            id=node.pk,
            name=node.name,
            level=node.level.code,
            level_name=node.level.name,
            depth=node.depth,
            path=node.path,
            code=node.code,
        )


class StaffOut(Schema):
    id: int
    duty: str
    duty_name: str
    name: str
    phone: str


class NodeDetailOut(Schema):
    node: NodeOut
    ancestors: list[NodeOut]
    children: list[NodeOut]
    staff: list[StaffOut]


class NodeIn(Schema):
    name: str
    level: str
    code: str = ""


class RenameIn(Schema):
    name: str


class TargetIn(Schema):
    target: int


class SplitIn(Schema):
    new_name: str
    children: list[api_errors.Id] = []
    households: list[api_errors.Id] = []


class StaffIn(Schema):
    duty: Duty
    name: str
    phone: str = ""


class BoardOut(Schema):
    node: NodeOut
    staff: list[StaffOut]
    households: int
    persons: int
    party_members: int
    groups: dict[str, int]


class CoverageOut(Schema):
    node: NodeOut
    grid_count: int
    grids_without_chief: list[NodeOut]
    units_without_grid: list[NodeOut]
    ungridded_households: int
    persons_without_household: int


def _staff(items) -> list[StaffOut]:  # type: ignore[no-untyped-def]
    return [
        StaffOut(id=s.pk, duty=s.duty, duty_name=s.get_duty_display(), name=s.name, phone=s.phone)
        for s in items
    ]


def _detail(request: HttpRequest, node: GridNode) -> NodeDetailOut:
    scope = scope_for(request.user)
    return NodeDetailOut(
        node=NodeOut.from_node(node),
        ancestors=[NodeOut.from_node(a) for a in selectors.node_ancestors_visible(scope=scope, node=node)],
        children=[NodeOut.from_node(c) for c in selectors.node_children(scope=scope, node=node)],
        staff=_staff(selectors.active_staff(node)),
    )


def _get(request: HttpRequest, node_id: int) -> GridNode:
    return selectors.node_get(scope=scope_for(request.user), node_id=node_id)


def node_param(request: HttpRequest, node_id: int | None, *, field: str, place: str = "body") -> GridNode | None:
    """The node an API parameter names, inside the user's jurisdiction; ``None`` only when the
    parameter was not given (0 is an id like any other, and names no node). Else a 404 naming it."""
    if node_id is None:
        return None
    try:
        return selectors.node_get(scope=scope_for(request.user), node_id=node_id)
    except NotFound:
        raise api_errors.not_found(field, _("网格"), place=place) from None


def _target(request: HttpRequest, node_id: int) -> GridNode:
    node = node_param(request, node_id, field="target")
    assert node is not None
    return node


@router.get("/nodes", response=list[NodeOut], summary="Top nodes of the user's jurisdiction")
def nodes_roots(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [NodeOut.from_node(n) for n in selectors.visible_roots(scope=scope_for(request.user))]


@router.get("/nodes/{node_id}", response=NodeDetailOut)
def node_detail(request: HttpRequest, node_id: int):  # type: ignore[no-untyped-def]
    return _detail(request, _get(request, node_id))


@router.post("/nodes/{node_id}/children", response={201: NodeOut})
def node_child_create(request: HttpRequest, node_id: int, payload: NodeIn):  # type: ignore[no-untyped-def]
    from gridguard.core.errors import ApplicationError

    parent = _get(request, node_id)
    level = Level.objects.filter(code=payload.level).first()
    if level is None:
        raise ApplicationError(
            "level_unknown", _("未知层级“{level}”").format(level=payload.level), field="level"
        )
    node = services.node_create(
        actor=current_user(request), parent=parent, name=payload.name, level=level, code=payload.code
    )
    return 201, NodeOut.from_node(node)


@router.post("/nodes/{node_id}/rename", response=NodeOut)
def node_rename(request: HttpRequest, node_id: int, payload: RenameIn):  # type: ignore[no-untyped-def]
    return NodeOut.from_node(
        services.node_rename(actor=current_user(request), node=_get(request, node_id), name=payload.name)
    )


@router.post("/nodes/{node_id}/move", response=NodeOut, summary="Move the subtree under another parent")
def node_move(request: HttpRequest, node_id: int, payload: TargetIn):  # type: ignore[no-untyped-def]
    node = services.node_move(
        actor=current_user(request), node=_get(request, node_id), new_parent=_target(request, payload.target)
    )
    return NodeOut.from_node(node)


@router.post("/nodes/{node_id}/merge", response=NodeOut, summary="Merge this node into the target")
def node_merge(request: HttpRequest, node_id: int, payload: TargetIn):  # type: ignore[no-untyped-def]
    node = services.node_merge(
        actor=current_user(request), source=_get(request, node_id), target=_target(request, payload.target)
    )
    return NodeOut.from_node(node)


@router.post("/nodes/{node_id}/split", response={201: NodeOut})
def node_split(request: HttpRequest, node_id: int, payload: SplitIn):  # type: ignore[no-untyped-def]
    node = services.node_split(
        actor=current_user(request),
        node=_get(request, node_id),
        new_name=payload.new_name,
        child_ids=payload.children,
        household_ids=payload.households,
    )
    return 201, NodeOut.from_node(node)


@router.post("/nodes/{node_id}/staff", response={201: StaffOut})
def node_staff_add(request: HttpRequest, node_id: int, payload: StaffIn):  # type: ignore[no-untyped-def]
    s = services.staff_assign(
        actor=current_user(request),
        node=_get(request, node_id),
        duty=payload.duty,
        name=payload.name,
        phone=payload.phone,
    )
    return 201, _staff([s])[0]


@router.get("/nodes/{node_id}/board", response=BoardOut, summary="网格公示牌")
def node_board(request: HttpRequest, node_id: int):  # type: ignore[no-untyped-def]
    b = selectors.grid_board(scope=scope_for(request.user), node=_get(request, node_id))
    return BoardOut(
        node=NodeOut.from_node(b.node),
        staff=_staff(b.staff),
        households=b.households,
        persons=b.persons,
        party_members=b.party_members,
        groups=dict(b.groups),
    )


@router.get("/nodes/{node_id}/coverage", response=CoverageOut, summary="镇不漏村、村不漏户、户不漏人")
def node_coverage(request: HttpRequest, node_id: int):  # type: ignore[no-untyped-def]
    c = selectors.coverage(scope=scope_for(request.user), node=_get(request, node_id))
    return CoverageOut(
        node=NodeOut.from_node(c.node),
        grid_count=c.grid_count,
        grids_without_chief=[NodeOut.from_node(n) for n in c.grids_without_chief],
        units_without_grid=[NodeOut.from_node(n) for n in c.units_without_grid],
        ungridded_households=c.ungridded_households,
        persons_without_household=c.persons_without_household,
    )
