"""Writes for the ledgers. Every change is attributed and dated; history is kept in events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.scope import Scope, scope_for
from gridguard.accounts.services import audit_record
from gridguard.core.errors import ApplicationError, PermissionDenied
from gridguard.core.masking import MASK_BY_FIELD
from gridguard.grids.models import GridNode
from gridguard.people import lookups
from gridguard.people.models import (
    Household,
    HouseholdEvent,
    Organization,
    Person,
    PersonEvent,
    PersonStatus,
    Relation,
    Tag,
)
from gridguard.people.rules import clean_household, clean_organization, clean_person, parse_relation
from gridguard.people.selectors import address_for_node

PERSON_FIELDS = (
    "name",
    "name_initials",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "relation",
    "residency",
    "tags",
    "is_party_member",
    "employer",
    "note",
)


def _audit_value(field: str, value: Any) -> Any:
    """A ledger value as the audit log keeps it, for every official who may read the log (not all may
    see identity numbers and phones): numbers masked, special groups by name, dates as text."""
    if field == "tags":
        return [t.name for t in Tag.objects.all() if value & t.mask] if value else []
    mask = MASK_BY_FIELD.get(field)
    if mask is not None:
        return mask(value or "")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _audit_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """The audit detail of an edit: each changed field's [old, new] (accounts.selectors names the
    fields and their choices in words); the pinyin initials follow the name and are left out."""
    return {
        field: [_audit_value(field, old), _audit_value(field, new)]
        for field, (old, new) in changes.items()
        if field != "name_initials"
    }


def editor_scope(actor: User | None) -> Scope:
    """The actor's scope when the role keeps the ledger (else PermissionDenied): the services'
    check, and the ledger forms' before they show a record's values."""
    scope = scope_for(actor)
    if not scope.has("people.edit"):
        raise PermissionDenied(_("您的角色不能维护台账"))
    return scope


def _check_duplicate_id(id_number: str, exclude_pk: int | None = None, scope: Scope | None = None) -> None:
    """One active person per identity number, town-wide. That a number is registered outside the
    ``scope``'s jurisdiction is said (it must not be registered twice), but it is a metered look-up
    (people.lookups): past the user's limit, the refusal says only that."""
    if not id_number:
        return
    qs = Person.objects.filter(id_number=id_number, status=PersonStatus.ACTIVE)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    path = qs.values_list("node_path", flat=True).first()
    if path is not None:
        if scope is not None and not scope.covers(path):
            lookups.meter_one(scope, lookups.ELSEWHERE, id_number, field="id_number")
        raise ApplicationError(
            "id_duplicate",
            _("证件号码 {prefix}… 已在台账中登记（不能重复登记）").format(prefix=id_number[:4]),
            field="id_number",
        )


def _other_head(household: Household, person_pk: int | None) -> Person | None:
    """The household's 户主 other than ``person_pk``: its head if still active, else an active member
    whose relation says 户主."""
    head = household.head if household.head_id else None
    if head is not None and head.status == PersonStatus.ACTIVE and head.pk != person_pk:
        return head
    members = household.members.filter(status=PersonStatus.ACTIVE, relation=Relation.HEAD)
    if person_pk is not None:
        members = members.exclude(pk=person_pk)
    return members.order_by("id").first()


def _check_head_free(household: Household, person_pk: int | None) -> None:
    other = _other_head(household, person_pk)
    if other is not None:
        raise ApplicationError(
            "head_exists",
            _("该户已有户主（{name}）；同一户只能有一个户主，如需更换请先修改原户主的“与户主关系”").format(
                name=other.name
            ),
            field="relation",
        )


def _check_after_birth(birth_date: dt.date | None, date: dt.date, field: str) -> None:
    if birth_date is not None and date < birth_date:
        raise ApplicationError(
            "date_before_birth",
            _("日期 {date} 早于该人员的出生日期 {birth}").format(date=date.isoformat(), birth=birth_date.isoformat()),
            field=field,
        )


def _check_room_free(node: GridNode, room: str, exclude_pk: int | None = None) -> None:
    """One active household per room of a building, unit or compound (a household without a room
    number is allowed several times: village households often have none)."""
    others = Household.objects.filter(node=node, room=room, is_active=True)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ApplicationError(
            "household_exists",
            _("“{address} {room}”已有住户").format(address=address_for_node(node), room=room),
            field="room",
        )


def _set_head(household: Household, person: Person | None) -> None:
    household.head = person
    household.save(update_fields=["head"])


@transaction.atomic
def household_create(
    *,
    actor: User | None,
    node: GridNode,
    room: str = "",
    is_rental: bool = False,
    landlord_name: str = "",
    landlord_phone: str = "",
    date: dt.date | None = None,
) -> Household:
    scope = editor_scope(actor)
    scope.check(node.path)
    clean = clean_household(
        {"room": room, "is_rental": is_rental, "landlord_name": landlord_name, "landlord_phone": landlord_phone}
    )
    if clean["room"]:
        _check_room_free(node, clean["room"])
    now = timezone.now()
    household = Household.objects.create(
        node=node,
        node_path=node.path,
        address=(address_for_node(node) + " " + clean["room"]).strip(),
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
        **clean,
    )
    date = date or timezone.localdate()
    HouseholdEvent.objects.create(household=household, kind=HouseholdEvent.Kind.REGISTER, date=date, actor=actor)
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=household,
        detail={
            "event": HouseholdEvent.Kind.REGISTER.value,
            "date": date.isoformat(),
            **{f: _audit_value(f, v) for f, v in clean.items() if f != "room" and v},
        },
    )
    return household


@transaction.atomic
def household_update(*, actor: User, household: Household, data: dict[str, Any]) -> Household:
    scope = editor_scope(actor)
    scope.check(household.node_path)
    changes: dict[str, list[Any]] = {}
    fields = ("room", "is_rental", "landlord_name", "landlord_phone")
    new = clean_household({f: data.get(f, getattr(household, f)) for f in fields})
    if new["room"] and new["room"] != household.room:
        _check_room_free(household.node, new["room"], exclude_pk=household.pk)
    for field, value in new.items():
        if getattr(household, field) != value:
            changes[field] = [getattr(household, field), value]
            setattr(household, field, value)
    if not changes:
        return household
    household.address = (address_for_node(household.node) + " " + household.room).strip()
    household.updated_at = timezone.now()
    household.updated_by = actor
    household.save()
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.EDIT,
        date=timezone.localdate(),
        changes=changes,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CHANGE,
        obj=household,
        detail=_audit_changes({f: (old, new) for f, (old, new) in changes.items()}),
    )
    return household


@transaction.atomic
def household_move(
    *, actor: User, household: Household, node: GridNode, date: dt.date | None = None
) -> Household:
    """Regrid one household (e.g. a building re-assigned). Members follow; history is kept."""
    scope = editor_scope(actor)
    scope.check(household.node_path)
    scope.check(node.path)
    old = household.address
    household.node = node
    household.node_path = node.path
    household.address = (address_for_node(node) + " " + household.room).strip()
    household.updated_at = timezone.now()
    household.updated_by = actor
    household.save()
    Person.objects.filter(household=household).update(node=node, node_path=node.path)
    date = date or timezone.localdate()
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.REGRID,
        date=date,
        changes={"from": old, "to": household.address, "reason": "household"},
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CHANGE,
        obj=household,
        detail={
            "event": HouseholdEvent.Kind.REGRID.value,
            "address_from": old,
            "address_to": household.address,
            "date": date.isoformat(),
        },
    )
    return household


def person_register(
    *,
    actor: User | None,
    data: dict[str, Any],
    household: Household | None = None,
    node: GridNode | None = None,
    date: dt.date | None = None,
    birth: bool = False,
    scope: Scope | None = None,
) -> Person:
    """Register a person (moved in, found on a visit) or a birth, in a household or at a node.
    ``scope``: the caller's, already checked (an import run by the system passes its own). The
    checks come before the transaction, so that a number registered elsewhere (a look-up) stays
    recorded when the registration is refused; the writes are one transaction."""
    scope = scope or editor_scope(actor)
    if not scope.has("people.edit"):
        raise PermissionDenied(_("您的角色不能维护台账"))
    if household is None and node is None:
        raise ApplicationError("place_required", _("请选择所在户或所属网格"), field="household")
    if household is not None:
        node = household.node
    assert node is not None
    scope.check(node.path)
    clean = clean_person(data)
    if birth and clean.birth_date is None:
        raise ApplicationError("birth_required", _("登记出生须填写出生日期"), field="birth_date")
    if birth and clean.birth_date < timezone.localdate() - dt.timedelta(days=366):  # type: ignore[operator]
        raise ApplicationError(
            "birth_too_old",
            _("出生日期在一年以前，不是新生儿；请用“登记人员”登记（迁入或补登）"),
            field="birth_date",
        )
    if date is not None and not birth:
        _check_after_birth(clean.birth_date, date, "date")
    _check_duplicate_id(clean.id_number, scope=scope)
    with transaction.atomic():
        if household is not None and clean.relation == Relation.HEAD:
            _check_head_free(household, None)
        now = timezone.now()
        person = Person(
            household=household,
            node=node,
            node_path=node.path,
            created_at=now,
            created_by=actor,
            updated_at=now,
            updated_by=actor,
            **{f: getattr(clean, f) for f in PERSON_FIELDS},
        )
        person.save()
        if household is not None and clean.relation == Relation.HEAD:
            _set_head(household, person)
        kind = PersonEvent.Kind.BIRTH if birth else PersonEvent.Kind.REGISTER
        date = (clean.birth_date if birth else None) or date or timezone.localdate()
        PersonEvent.objects.create(person=person, kind=kind, date=date, household_to=household, actor=actor)
        where = {"household": household.address} if household is not None else {"grid": address_for_node(node)}
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=person,
            detail={
                "event": kind.value,
                **where,
                "date": date.isoformat(),
                "id_number": _audit_value("id_number", person.id_number),
            },
        )
    return person


def person_update(*, actor: User, person: Person, data: dict[str, Any]) -> Person:
    """Edit a person. The checks come before the transaction (a number registered elsewhere is a
    look-up that stays recorded); the writes are one transaction."""
    scope = editor_scope(actor)
    scope.check(person.node_path)
    merged = {f: getattr(person, f) for f in PERSON_FIELDS}
    merged["tags"] = person.tags
    merged.update(data)
    clean = clean_person(merged)
    if clean.id_number != person.id_number:
        _check_duplicate_id(clean.id_number, exclude_pk=person.pk, scope=scope)
    with transaction.atomic():
        household = person.household if person.status == PersonStatus.ACTIVE else None
        if household is not None and clean.relation != person.relation:
            if clean.relation == Relation.HEAD:
                _check_head_free(household, person.pk)
                _set_head(household, person)
            elif household.head_id == person.pk:
                _set_head(household, None)
        changes: dict[str, list[Any]] = {}
        values: dict[str, tuple[Any, Any]] = {}
        for field in PERSON_FIELDS:
            old, new = getattr(person, field), getattr(clean, field)
            if old != new:
                changes[field] = [str(old) if old is not None else None, str(new) if new is not None else None]
                values[field] = (old, new)
                setattr(person, field, new)
        if not changes:
            return person
        person.updated_at = timezone.now()
        person.updated_by = actor
        person.save()
        PersonEvent.objects.create(
            person=person, kind=PersonEvent.Kind.EDIT, date=timezone.localdate(), changes=changes, actor=actor
        )
        audit_record(actor=actor, action=AuditLog.Action.CHANGE, obj=person, detail=_audit_changes(values))
        return person


@transaction.atomic
def person_move(
    *,
    actor: User,
    person: Person,
    household: Household | None,
    date: dt.date,
    relation: str | None = None,
    note: str = "",
) -> Person:
    """Move a person into another household, or out of the jurisdiction (household=None). A person
    who moved out moves back in the same way (迁回): the same record, its history kept."""
    scope = editor_scope(actor)
    scope.check(person.node_path)
    returning = person.status == PersonStatus.MOVED_OUT
    if person.status == PersonStatus.DECEASED:
        raise ApplicationError("person_inactive", _("该人员已死亡，不能再变动"), field="person")
    if returning and household is None:
        raise ApplicationError("moved_out", _("该人员已迁出；迁回时请填写迁入的住户"), field="household")
    if returning:
        _check_duplicate_id(person.id_number, exclude_pk=person.pk, scope=scope)
    if date > timezone.localdate():
        raise ApplicationError("date_future", _("变动日期不能晚于今天"), field="date")
    _check_after_birth(person.birth_date, date, "date")
    old = person.household
    changes: dict[str, list[Any]] = {}
    if household is not None:
        scope.check(household.node_path)
        if old is not None and old.pk == household.pk:
            raise ApplicationError("same_household", _("该人员已在此户中"), field="household")
        kind = PersonEvent.Kind.TRANSFER if old is not None else PersonEvent.Kind.MOVE_IN
        person.status = PersonStatus.ACTIVE
        relation = parse_relation(relation) if relation else None
        if (relation or person.relation) == Relation.HEAD:
            _check_head_free(household, person.pk)
        person.household = household
        person.node = household.node
        person.node_path = household.node_path
        if relation and relation != person.relation:
            changes["relation"] = [person.relation, relation]
            person.relation = relation
    else:
        kind = PersonEvent.Kind.MOVE_OUT
        person.household = None
        person.status = PersonStatus.MOVED_OUT
    if old is not None and old.head_id == person.pk:
        _set_head(old, None)
    person.updated_at = timezone.now()
    person.updated_by = actor
    person.save()
    if household is not None and person.relation == Relation.HEAD:
        _set_head(household, person)
    PersonEvent.objects.create(
        person=person,
        kind=kind,
        date=date,
        household_from=old,
        household_to=household,
        changes=changes,
        note=note[:200],
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CHANGE,
        obj=person,
        detail={
            "event": "return" if returning else kind.value,  # 迁回: back from a move out
            "address_from": old.address if old is not None else "",
            "address_to": household.address if household is not None else "",
            "date": date.isoformat(),
            "note": note[:200],
            **changes,
        },
    )
    return person


@transaction.atomic
def person_death(*, actor: User, person: Person, date: dt.date, note: str = "") -> Person:
    scope = editor_scope(actor)
    scope.check(person.node_path)
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("person_inactive", _("该人员已迁出或死亡"), field="person")
    if date > timezone.localdate():
        raise ApplicationError("date_future", _("死亡日期不能晚于今天"), field="date")
    _check_after_birth(person.birth_date, date, "date")
    person.status = PersonStatus.DECEASED
    person.updated_at = timezone.now()
    person.updated_by = actor
    person.save()
    if person.household is not None and person.household.head_id == person.pk:
        _set_head(person.household, None)
    PersonEvent.objects.create(
        person=person,
        kind=PersonEvent.Kind.DEATH,
        date=date,
        household_from=person.household,
        note=note,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CHANGE,
        obj=person,
        detail={
            "event": PersonEvent.Kind.DEATH.value,
            "household": person.household.address if person.household is not None else "",
            "date": date.isoformat(),
            "note": note[:200],
        },
    )
    return person


def person_reveal(*, actor: User, person: Person, ip: str | None = None) -> dict[str, str]:
    """Full identity number and phone, for roles that may see them; every reveal is audited."""
    scope = scope_for(actor)
    scope.check(person.node_path)
    if not scope.has("people.reveal"):
        raise PermissionDenied(_("您的角色不能查看完整证件号码和电话"))
    audit_record(
        actor=actor,
        action=AuditLog.Action.REVEAL,
        obj=person,
        ip=ip,
        detail={"fields": ["id_number", "phone"]},
    )
    return {"id_number": person.id_number, "phone": person.phone}


@transaction.atomic
def organization_create(*, actor: User | None, node: GridNode, data: dict[str, Any]) -> Organization:
    scope = editor_scope(actor)
    scope.check(node.path)
    now = timezone.now()
    org = Organization.objects.create(
        node=node,
        node_path=node.path,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
        **clean_organization(data),
    )
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=org)
    return org


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, data: dict[str, Any]) -> Organization:
    scope = editor_scope(actor)
    scope.check(organization.node_path)
    merged = {
        f: getattr(organization, f)
        for f in (
            "name",
            "kind",
            "credit_code",
            "address",
            "contact_name",
            "contact_phone",
            "employees",
            "is_key_place",
        )
    }
    merged.update(data)
    clean = clean_organization(merged)
    changes = {k: (getattr(organization, k), v) for k, v in clean.items() if getattr(organization, k) != v}
    for k, v in clean.items():
        setattr(organization, k, v)
    organization.updated_at = timezone.now()
    organization.updated_by = actor
    organization.save()
    if changes:
        audit_record(
            actor=actor, action=AuditLog.Action.CHANGE, obj=organization, detail=_audit_changes(changes)
        )
    return organization
