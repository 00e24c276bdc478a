"""Reads for the ledgers: scoped, keyset-paginated, joined once."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.db.models.lookups import Contains
from django.utils.translation import gettext as _

from gridguard.accounts.scope import Scope
from gridguard.core import plug
from gridguard.core.errors import ApplicationError, NotFound
from gridguard.core.masking import MASK_BY_FIELD
from gridguard.core.normalize import clean_id_number, clean_phone, clean_text
from gridguard.core.paths import PATH_END, prefix_q, subtree_q
from gridguard.grids.models import GridNode
from gridguard.people import lookups
from gridguard.people.models import Household, Organization, Person, PersonStatus, Tag


def address_for_node(node: GridNode) -> str:
    """The node's names below the root ("城关社区 第一网格 幸福小区 3栋 2单元")."""
    names = [a.name for a in GridNode.objects.get_ancestors(node)][1:] + (
        [node.name] if node.depth > 1 else []
    )
    return " ".join(names)


def address_prefix_map(prefix: str) -> dict[str, str]:
    """Address label of every node under ``prefix`` (and the prefix's own), in one query."""
    labels: dict[str, str] = {}
    root_len = GridNode.steplen
    ancestors = [prefix[:i] for i in range(root_len, len(prefix), root_len)]
    nodes = GridNode.objects.filter(Q(path__in=ancestors) | subtree_q(prefix, "path")).order_by("path")
    for path, name in nodes.values_list("path", "name"):
        parent = path[:-root_len]
        if not parent:
            labels[path] = ""
            continue
        labels[path] = (labels.get(parent, "") + " " + name).strip()
    return labels


# --- keyset cursors -------------------------------------------------------------------------


def encode_cursor(path: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{path}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        path, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return path, int(pk)
    except (ValueError, UnicodeDecodeError):
        raise ApplicationError("cursor_invalid", _("分页参数无效"), field="cursor") from None


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    extra: dict[str, Any] = field(default_factory=dict)


def keyset_page(qs: QuerySet, cursor: str | None, limit: int) -> Page:
    if cursor:
        path, pk = decode_cursor(cursor)
        qs = qs.filter(Q(node_path__gt=path) | Q(node_path=path, id__gt=pk))
    items = list(qs.order_by("node_path", "id")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor(last.node_path, last.pk)
    return Page(items=items, next_cursor=next_cursor)


# --- persons ------------------------------------------------------------------------------

_DIGITS = re.compile(r"^\d+$")
_ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dX]$")
_LATIN = re.compile(r"^[a-z]+$")
_ID_TAIL = re.compile(r"^\d{5}[\dX]$")
# Words of an address that no name has: a search with one of them, or with a digit (that is not an
# identity number or a phone), looks for an address.
_ADDRESS_WORDS = ("小区", "单元", "社区", "网格", "号楼", "栋", "幢", "室", "弄", "巷", "自然村", "村民小组")


def person_base(scope: Scope) -> QuerySet[Person]:
    return scope.filter(Person.objects.select_related("household", "node"))


def within(scope: Scope, qs: QuerySet, node: GridNode | None) -> QuerySet:
    """Limit ``qs`` to the node's subtree (checked against the scope) or else to the scope.

    One range on node_path, not two: SQLite would otherwise scan from the start of the
    scope's range to reach a node far down it."""
    if node is None:
        return scope.filter(qs)
    scope.check(node.path)
    return qs.filter(subtree_q(node.path))


def person_get(*, scope: Scope, pk: int) -> Person:
    person = (
        Person.objects.select_related("household", "node", "created_by", "updated_by").filter(pk=pk).first()
    )
    if person is None:
        raise NotFound()
    scope.check(person.node_path)
    return person


@dataclass(frozen=True)
class Search:
    """What a search text means: its filter, the indexed column to order its matches by and, when
    the text is a number that a role without the reveal right may only look up metered
    (people.lookups), the kind of look-up and the number."""

    q: Q
    order: str
    lookup: str = ""
    number: str = ""


def person_search_q(text: str, scope: Scope) -> Q:
    """What a search box means: identity number, phone (or their tails), pinyin initials, address or
    name prefix. A number is a look-up that ``scope``'s user may make only so often (TooMany)."""
    return metered_search(text, scope).q


def metered_search(text: str, scope: Scope) -> Search:
    search = parse_search(text)
    if search.lookup:
        lookups.meter_one(scope, search.lookup, search.number)
    return search


def parse_search(text: str) -> Search:
    text = clean_text(text)
    ident = clean_id_number(text)
    if _ID_LIKE.match(ident):
        from gridguard.core.identity import upgrade_legacy

        number = upgrade_legacy(ident) if len(ident) == 15 else ident
        return Search(Q(id_number=number), "id_number", lookups.ID, number)
    phone = clean_phone(text)
    if _DIGITS.match(phone) and 7 <= len(phone) <= 12:
        return Search(Q(phone=phone), "phone", lookups.PHONE, phone)
    if _DIGITS.match(phone) and len(phone) == 4:  # a phone's last 4 (as the mask shows), or a room
        return Search(
            Q(phone__endswith=phone) | Q(household__room__in=[phone, phone + "室"]), "node_path", lookups.PHONE_TAIL, phone
        )
    if _ID_TAIL.match(ident):  # an identity number's last 6 (the birth day and the 4 the mask shows)
        return Search(Q(id_number__endswith=ident), "node_path", lookups.ID_TAIL, ident)
    lowered = text.lower().replace(" ", "")
    if _LATIN.match(lowered):
        return Search(prefix_q("name_initials", lowered), "name_initials")
    if len(ident) >= 6 and (_DIGITS.match(ident[:-1]) or ident.isalnum()) and ident.isascii():
        return Search(Q(id_number=ident), "id_number", lookups.ID, ident)  # a passport or other document
    compact = text.replace(" ", "")
    if any(c.isdigit() for c in compact) or any(word in compact for word in _ADDRESS_WORDS):
        q = address_q("household__address", compact)
        room = room_q(compact, "household__address", "household__room")
        return Search(q | room if room is not None else q, "node_path")
    return Search(prefix_q("name", compact), "name")


# "3栋201", "建设小区3号楼1201": a building and a room without the unit between them
_BUILDING_ROOM = re.compile(r"^(?P<pre>.*?)(?P<num>\d+)(?:号楼|栋|幢|号)(?P<room>\d{1,6})室?$")
_BUILDING_WORDS = ("号楼", "栋", "幢", "号")


def room_q(text: str, address_field: str, room_field: str) -> Q | None:
    """The households of a room named by building and room ("3栋201" finds 3栋 2单元 201): the room
    number exact, the building by its number whatever its word (栋, 号楼, 幢), and whatever came
    before (a compound's name) in the address. None: the text names no building and room."""
    match = _BUILDING_ROOM.match(text.replace(" ", ""))
    if match is None:
        return None
    room = match["room"]
    building = Q()
    for word in _BUILDING_WORDS:  # the address is its nodes' names joined by spaces
        building |= Q(**{f"{address_field}__contains": f" {match['num']}{word} "})
    q = building & Q(**{f"{room_field}__in": [room, room + "室"]})
    if match["pre"]:
        q &= address_q(address_field, match["pre"])
    return q


def address_q(field: str, text: str) -> Q:
    """``field`` (an address such as "东城社区 东城第一网格 1号楼 1单元 301") contains ``text``, spaces
    ignored on both sides: "1号楼1单元301" finds it. A text that starts with a digit starts a number:
    "3栋2单元201" is not found in "13栋 2单元 201". Not indexed: used within a jurisdiction or node."""
    compact = text.replace(" ", "")
    address = Replace(F(field), Value(" "), Value(""))
    q = Q(Contains(address, compact))
    if compact[:1].isdigit():
        for digit in "0123456789":
            q &= ~Q(Contains(address, digit + compact))
    return q


def person_page(
    *,
    scope: Scope,
    node: GridNode | None = None,
    search: str = "",
    tag_bit: int | None = None,
    residency: str = "",
    status: str = PersonStatus.ACTIVE,
    party: bool | None = None,
    no_household: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    qs = person_filtered(
        scope, Person.objects.select_related("household", "node"), node=node, search=search, tag_bit=tag_bit,
        residency=residency, status=status, party=party, no_household=no_household,
    )
    return keyset_page(qs, cursor, limit)


def person_filtered(
    scope: Scope,
    qs: QuerySet,
    *,
    node: GridNode | None = None,
    search: str = "",
    tag_bit: int | None = None,
    residency: str = "",
    status: str = PersonStatus.ACTIVE,
    party: bool | None = None,
    no_household: bool = False,
) -> QuerySet:
    """The persons list's filters, shared by its pages and its export."""
    qs = within(scope, qs, node)
    if status:
        qs = qs.filter(status=status)
    if search.strip():
        qs = qs.filter(person_search_q(search, scope))
    if tag_bit is not None:
        if not 0 <= tag_bit <= 62:  # Person.tags is a signed 64-bit integer (never build 1 << 10**9)
            raise ApplicationError("tag_invalid", _("特殊人群的位须在 0 到 62 之间"), field="tag")
        mask = 1 << tag_bit
        qs = qs.alias(_t=models_bitand("tags", mask)).filter(_t=mask)
    if residency:
        qs = qs.filter(residency=residency)
    if party is not None:
        qs = qs.filter(is_party_member=party)
    if no_household:
        qs = qs.filter(household__isnull=True)
    return qs


def models_bitand(field_name: str, mask: int):  # type: ignore[no-untyped-def]
    from django.db.models import F

    return F(field_name).bitand(mask)


def person_search(*, scope: Scope, text: str, limit: int = 20) -> list[Person]:
    if not text.strip():
        return []
    search = metered_search(text, scope)
    qs = person_base(scope).filter(search.q)
    return list(qs.order_by(search.order, "id")[:limit])


def person_events(person: Person, *, reveal: bool) -> list[Any]:
    """The person's history, newest first. Each event has ``change_rows``: (label, old, new) of
    the fields an edit changed, shown by name; numbers and phones masked unless ``reveal``."""
    events = list(
        person.events.select_related("actor", "household_from", "household_to").order_by("-date", "-id")
    )
    tags = None
    for event in events:
        event.changes = masked_changes(event.changes or {}, reveal=reveal)
        if event.changes and tags is None:
            tags = [(1 << t.bit, str(t)) for t in Tag.objects.all()]
        event.change_rows = [  # type: ignore[attr-defined]
            _change_row(field, pair, tags or []) for field, pair in event.changes.items()
        ]
    return events


def masked_changes(changes: dict[str, Any], *, reveal: bool) -> dict[str, Any]:
    """An event's field changes ({field: [old, new]}) with numbers and phones masked unless ``reveal``."""
    if reveal:
        return changes
    return {
        field: [MASK_BY_FIELD[field](v) if v else v for v in pair]
        if field in MASK_BY_FIELD and isinstance(pair, list) else pair
        for field, pair in changes.items()
    }


def _change_row(field: str, pair: Any, tags: list[tuple[int, str]]) -> tuple[str, str, str]:
    try:
        model_field: Any = Person._meta.get_field(field)
    except FieldDoesNotExist:
        return field, "", str(pair)
    label = str(model_field.verbose_name)
    if not isinstance(pair, list) or len(pair) != 2:
        return label, "", str(pair)
    choices = {str(k): str(v) for k, v in model_field.choices or ()}

    def shown(value: Any) -> str:
        if value in (None, ""):
            return ""
        text = str(value)
        if field == "tags":
            mask = int(text) if text.isdigit() else 0
            return "、".join(name for bit, name in tags if mask & bit)
        if field == "is_party_member":
            return _("是") if text == "True" else _("否")
        return choices.get(text, text)

    return label, shown(pair[0]), shown(pair[1])


# --- what other capabilities show on a person's and a household's page (core.plug) -----------


@dataclass
class Section:
    template: str
    context: dict[str, Any]


def _sections(registered: list[Any], scope: Scope, record: Any) -> list[Section]:
    shown = []
    for section in registered:
        context = section.context(scope, record)
        if context is not None:
            shown.append(Section(section.template, context))
    return shown


def person_sections(scope: Scope, person: Person) -> list[Section]:
    """The sections that capabilities contribute to the person page, in their order (the caller has
    checked that the person is in the scope)."""
    return _sections(plug.registry.person_sections, scope, person)


def person_summary(scope: Scope, person: Person) -> dict[str, Any]:
    """The capabilities' summaries of a person for the person API, by section key."""
    return {s.key: s.api(scope, person) for s in plug.registry.person_sections if s.api is not None}


def household_sections(scope: Scope, household: Household) -> list[Section]:
    return _sections(plug.registry.household_sections, scope, household)


# --- households ---------------------------------------------------------------------------


def household_get(*, scope: Scope, pk: int) -> Household:
    household = Household.objects.select_related("node", "head").filter(pk=pk).first()
    if household is None:
        raise NotFound()
    scope.check(household.node_path)
    return household


def household_members(household: Household) -> list[Person]:
    return list(
        household.members.filter(status=PersonStatus.ACTIVE).order_by("-relation", "birth_date", "id")
    )


def household_page(
    *,
    scope: Scope,
    node: GridNode | None = None,
    search: str = "",
    rental: bool | None = None,
    node_ids: list[int] | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    qs = household_filtered(
        scope, Household.objects.select_related("head", "node"), node=node, search=search, rental=rental,
        node_ids=node_ids,
    )
    return keyset_page(qs, cursor, limit)


def household_filtered(
    scope: Scope,
    qs: QuerySet,
    *,
    node: GridNode | None = None,
    search: str = "",
    rental: bool | None = None,
    node_ids: list[int] | None = None,
) -> QuerySet:
    """The households list's filters (active households), shared by its pages and its export."""
    qs = within(scope, qs, node).filter(is_active=True)
    if node_ids is not None:
        qs = qs.filter(node_id__in=node_ids)
    if search.strip():
        text = clean_text(search)
        q = address_q("address", text) | Q(head__name=text) | Q(landlord_name=text)
        room = room_q(text, "address", "room")
        qs = qs.filter(q | room if room is not None else q)
    if rental is not None:
        qs = qs.filter(is_rental=rental)
    return qs


# --- organizations --------------------------------------------------------------------------


def organization_get(*, scope: Scope, pk: int) -> Organization:
    org = Organization.objects.select_related("node").filter(pk=pk).first()
    if org is None:
        raise NotFound()
    scope.check(org.node_path)
    return org


def organization_page(
    *,
    scope: Scope,
    node: GridNode | None = None,
    search: str = "",
    kind: str = "",
    key_place: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    qs = organization_filtered(
        scope, Organization.objects.select_related("node"), node=node, search=search, kind=kind, key_place=key_place
    )
    return keyset_page(qs, cursor, limit)


def organization_filtered(
    scope: Scope,
    qs: QuerySet,
    *,
    node: GridNode | None = None,
    search: str = "",
    kind: str = "",
    key_place: bool | None = None,
) -> QuerySet:
    """The organizations list's filters (active ones), shared by its pages and its export."""
    qs = within(scope, qs, node).filter(is_active=True)
    if search.strip():
        text = clean_text(search)
        lowered = text.lower()
        qs = qs.filter(
            prefix_q("name_initials", lowered) if _LATIN.match(lowered) else Q(name__contains=text)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if key_place is not None:
        qs = qs.filter(is_key_place=key_place)
    return qs


def path_end(path: str) -> str:
    return path + PATH_END
