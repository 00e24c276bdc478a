import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from gridguard.accounts.scope import Scope, current_user, scope_for
from gridguard.accounts.services import client_ip
from gridguard.core import api_errors
from gridguard.core.errors import ApplicationError, NotFound
from gridguard.core.masking import mask_id_number, mask_phone
from gridguard.grids.api import node_param
from gridguard.people import selectors, services
from gridguard.people.filters import MAX_TAG_BIT
from gridguard.people.models import (
    Household,
    Organization,
    OrganizationKind,
    Person,
    PersonStatus,
    Residency,
    Tag,
)

router = Router(tags=["ledgers"])

# A list filter: one of its choices, or blank (no filter); anything else is a 422 listing the choices.
_blank_is_none = BeforeValidator(lambda value: value or None)
ResidencyFilter = Annotated[Residency | None, _blank_is_none]
KindFilter = Annotated[OrganizationKind | None, _blank_is_none]


def _tag_names(mask: int) -> list[str]:
    return [t.name for t in Tag.objects.all() if mask & (1 << t.bit)]


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    id_type: str
    id_number_masked: str
    phone_masked: str
    household_id: int | None
    address: str
    node_id: int
    relation: str
    residency: str
    tags: list[str]
    is_party_member: bool
    employer: str
    status: str
    updated_at: dt.datetime

    @staticmethod
    def of(p: Person, tag_names: dict[int, str]) -> "PersonOut":
        return PersonOut(
            id=p.pk,
            name=p.name,
            sex=p.sex,
            birth_date=p.birth_date,
            id_type=p.id_type,
            id_number_masked=mask_id_number(p.id_number),
            phone_masked=mask_phone(p.phone),
            household_id=p.household_id,
            address=p.household.address if p.household_id else "",  # type: ignore[union-attr]
            node_id=p.node_id,
            relation=p.relation,
            residency=p.residency,
            tags=[name for bit, name in tag_names.items() if p.tags & (1 << bit)],
            is_party_member=p.is_party_member,
            employer=p.employer,
            status=p.status,
            updated_at=p.updated_at,
        )


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class PersonFilters(Schema):
    node: int | None = None
    q: str = ""
    tag: int | None = Field(None, ge=0, le=MAX_TAG_BIT, title="特殊人群")
    residency: ResidencyFilter = None
    status: PersonStatus = PersonStatus.ACTIVE
    cursor: str | None = None
    limit: int = 50


class PersonIn(Schema):
    name: str
    id_type: str = "id"
    id_number: str = ""
    sex: str = ""
    birth_date: str = ""
    phone: str = ""
    relation: str = "其他"
    residency: str = "户籍"
    tags: list[str] = []
    is_party_member: bool = False
    employer: str = ""
    note: str = ""


class PersonCreateIn(PersonIn):
    household_id: int | None = None
    node_id: int | None = None
    birth: bool = False


class PersonPatch(Schema):
    name: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    phone: str | None = None
    relation: str | None = None
    residency: str | None = None
    tags: list[str] | None = None
    is_party_member: bool | None = None
    employer: str | None = None
    note: str | None = None


class MoveIn(Schema):
    household_id: int | None = None
    date: dt.date
    relation: str | None = None
    note: str = ""


class DeathIn(Schema):
    date: dt.date
    note: str = ""


class RevealOut(Schema):
    id_number: str
    phone: str


class EventOut(Schema):
    kind: str
    date: dt.date
    household_from_id: int | None
    household_to_id: int | None
    changes: dict[str, Any]
    note: str
    at: dt.datetime
    actor: str


def _tags() -> dict[int, str]:
    return {t.bit: t.name for t in Tag.objects.all()}


def _node(request: HttpRequest, node_id: int | None, field: str = "node_id", place: str = "body"):  # type: ignore[no-untyped-def]
    return node_param(request, node_id, field=field, place=place)


def _household(scope: Scope, household_id: int | None) -> Household | None:
    if household_id is None:
        return None
    try:
        return selectors.household_get(scope=scope, pk=household_id)
    except NotFound:
        raise api_errors.not_found("household_id", _("户")) from None


def _tag(bit: int | None) -> int | None:
    """A tag bit that a special group has (the schema bounds it to a BigInteger's bits first)."""
    if bit is not None and not Tag.objects.filter(bit=bit).exists():
        choices = "、".join(f"{t.bit}（{t.name}）" for t in Tag.objects.all())
        raise api_errors.Invalid("tag", _("不是已有的特殊人群，可选：%(choices)s") % {"choices": choices}, place="query")
    return bit


def _limit(limit: int) -> int:
    if not 1 <= limit <= 500:
        raise ApplicationError("limit_invalid", _("limit 须在 1 到 500 之间"), field="limit")
    return limit


@router.get("/persons", response=PersonPage, summary="Persons, keyset-paginated (pass next_cursor back)")
def persons_list(request: HttpRequest, filters: Query[PersonFilters]):  # type: ignore[no-untyped-def]
    page = selectors.person_page(
        scope=scope_for(request.user),
        node=_node(request, filters.node, "node", "query"),
        search=filters.q,
        tag_bit=_tag(filters.tag),
        residency=filters.residency or "",
        status=filters.status,
        cursor=filters.cursor,
        limit=_limit(filters.limit),
    )
    names = _tags()
    return PersonPage(items=[PersonOut.of(p, names) for p in page.items], next_cursor=page.next_cursor)


class PersonDetailOut(PersonOut):
    summary: dict[str, Any] = Field(
        default_factory=dict,
        description="What other capabilities know of the person, by capability (e.g. control: its orders)",
    )


@router.get("/persons/{person_id}", response=PersonDetailOut)
def person_detail(request: HttpRequest, person_id: int):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    person = selectors.person_get(scope=scope, pk=person_id)
    return PersonDetailOut(**PersonOut.of(person, _tags()).dict(), summary=selectors.person_summary(scope, person))


@router.get("/persons/{person_id}/events", response=list[EventOut])
def person_events(request: HttpRequest, person_id: int):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    person = selectors.person_get(scope=scope, pk=person_id)
    return [
        EventOut(
            kind=e.kind,
            date=e.date,
            household_from_id=e.household_from_id,
            household_to_id=e.household_to_id,
            changes=e.changes,
            note=e.note,
            at=e.at,
            actor=str(e.actor or ""),
        )
        for e in selectors.person_events(person, reveal=scope.has("people.reveal"))
    ]


@router.post("/persons", response={201: PersonOut})
def person_create(request: HttpRequest, payload: PersonCreateIn):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    household = _household(scope, payload.household_id)
    node = None if household else _node(request, payload.node_id)
    data = payload.dict(exclude={"household_id", "node_id", "birth"})
    person = services.person_register(
        actor=current_user(request), data=data, household=household, node=node, birth=payload.birth
    )
    return 201, PersonOut.of(selectors.person_get(scope=scope, pk=person.pk), _tags())


@router.patch("/persons/{person_id}", response=PersonOut)
def person_update(request: HttpRequest, person_id: int, payload: PersonPatch):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    person = selectors.person_get(scope=scope, pk=person_id)
    # null means "leave as it is" (clear a text with ""): a null relation must not make the 户主 "其他"
    data = payload.dict(exclude_unset=True, exclude_none=True)
    services.person_update(actor=current_user(request), person=person, data=data)
    return PersonOut.of(selectors.person_get(scope=scope, pk=person_id), _tags())


@router.post(
    "/persons/{person_id}/move",
    response=PersonOut,
    summary="迁入/迁出/户内变动 (household_id null = move out)",
)
def person_move(request: HttpRequest, person_id: int, payload: MoveIn):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    person = selectors.person_get(scope=scope, pk=person_id)
    household = _household(scope, payload.household_id)
    services.person_move(
        actor=current_user(request),
        person=person,
        household=household,
        date=payload.date,
        relation=payload.relation,
        note=payload.note,
    )
    return PersonOut.of(selectors.person_get(scope=scope, pk=person_id), _tags())


@router.post("/persons/{person_id}/death", response=PersonOut)
def person_death(request: HttpRequest, person_id: int, payload: DeathIn):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    person = selectors.person_get(scope=scope, pk=person_id)
    services.person_death(actor=current_user(request), person=person, date=payload.date, note=payload.note)
    return PersonOut.of(selectors.person_get(scope=scope, pk=person_id), _tags())


@router.post(
    "/persons/{person_id}/reveal", response=RevealOut, summary="Full identity number and phone (audited)"
)
def person_reveal(request: HttpRequest, person_id: int):  # type: ignore[no-untyped-def]
    person = selectors.person_get(scope=scope_for(request.user), pk=person_id)
    return services.person_reveal(actor=current_user(request), person=person, ip=client_ip(request))


class HouseholdOut(Schema):
    id: int
    node_id: int
    address: str
    room: str
    head_id: int | None
    head_name: str
    is_rental: bool
    landlord_name: str
    landlord_phone_masked: str

    @staticmethod
    def of(h: Household) -> "HouseholdOut":
        return HouseholdOut(
            id=h.pk,
            node_id=h.node_id,
            address=h.address,
            room=h.room,
            head_id=h.head_id,
            head_name=h.head.name if h.head is not None else "",
            is_rental=h.is_rental,  # type: ignore[union-attr]
            landlord_name=h.landlord_name,
            landlord_phone_masked=mask_phone(h.landlord_phone),
        )


class HouseholdPage(Schema):
    items: list[HouseholdOut]
    next_cursor: str | None


class HouseholdIn(Schema):
    node_id: int
    room: str = ""
    is_rental: bool = False
    landlord_name: str = ""
    landlord_phone: str = ""


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonOut]


@router.get("/households", response=HouseholdPage)
def households_list(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    node: int | None = None,
    q: str = "",
    rental: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    page = selectors.household_page(
        scope=scope_for(request.user),
        node=_node(request, node, "node", "query"),
        search=q,
        rental=rental,
        cursor=cursor,
        limit=_limit(limit),
    )
    return HouseholdPage(items=[HouseholdOut.of(h) for h in page.items], next_cursor=page.next_cursor)


@router.get("/households/{household_id}", response=HouseholdDetailOut)
def household_detail(request: HttpRequest, household_id: int):  # type: ignore[no-untyped-def]
    h = selectors.household_get(scope=scope_for(request.user), pk=household_id)
    names = _tags()
    members = [PersonOut.of(p, names) for p in selectors.household_members(h)]
    return HouseholdDetailOut(**HouseholdOut.of(h).dict(), members=members)


@router.post("/households", response={201: HouseholdOut})
def household_create(request: HttpRequest, payload: HouseholdIn):  # type: ignore[no-untyped-def]
    node = _node(request, payload.node_id)
    h = services.household_create(actor=current_user(request), node=node, **payload.dict(exclude={"node_id"}))
    return 201, HouseholdOut.of(h)


class OrganizationOut(Schema):
    id: int
    node_id: int
    name: str
    kind: str
    credit_code: str
    address: str
    contact_name: str
    contact_phone_masked: str
    employees: int | None
    is_key_place: bool

    @staticmethod
    def of(o: Organization) -> "OrganizationOut":
        return OrganizationOut(
            id=o.pk,
            node_id=o.node_id,
            name=o.name,
            kind=o.kind,
            credit_code=o.credit_code,
            address=o.address,
            contact_name=o.contact_name,
            contact_phone_masked=mask_phone(o.contact_phone),
            employees=o.employees,
            is_key_place=o.is_key_place,
        )


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class OrganizationIn(Schema):
    name: str
    kind: str
    credit_code: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    employees: int | None = None
    is_key_place: bool = False


class OrganizationCreateIn(OrganizationIn):
    node_id: int


class OrganizationPatch(Schema):
    """The fields to change; the others stay as they are."""

    name: str | None = None
    kind: str | None = None
    credit_code: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    employees: int | None = None
    is_key_place: bool | None = None


@router.get("/organizations", response=OrganizationPage)
def organizations_list(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    node: int | None = None,
    q: str = "",
    kind: KindFilter = None,
    key_place: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    page = selectors.organization_page(
        scope=scope_for(request.user),
        node=_node(request, node, "node", "query"),
        search=q,
        kind=kind or "",
        key_place=key_place,
        cursor=cursor,
        limit=_limit(limit),
    )
    return OrganizationPage(items=[OrganizationOut.of(o) for o in page.items], next_cursor=page.next_cursor)


@router.get("/organizations/{org_id}", response=OrganizationOut)
def organization_detail(request: HttpRequest, org_id: int):  # type: ignore[no-untyped-def]
    return OrganizationOut.of(selectors.organization_get(scope=scope_for(request.user), pk=org_id))


@router.post("/organizations", response={201: OrganizationOut})
def organization_create(request: HttpRequest, payload: OrganizationCreateIn):  # type: ignore[no-untyped-def]
    node = _node(request, payload.node_id)
    org = services.organization_create(
        actor=current_user(request), node=node, data=payload.dict(exclude={"node_id"})
    )
    return 201, OrganizationOut.of(org)


@router.patch("/organizations/{org_id}", response=OrganizationOut)
def organization_update(request: HttpRequest, org_id: int, payload: OrganizationPatch):  # type: ignore[no-untyped-def]
    org = selectors.organization_get(scope=scope_for(request.user), pk=org_id)
    org = services.organization_update(
        actor=current_user(request), organization=org, data=payload.dict(exclude_unset=True, exclude_none=True)
    )
    return OrganizationOut.of(org)
