"""The sampler's hot path: scans of persons into tubes, one at a time from the page or by the
thousand from a device, answered per scan.

Every scan carries a client-made id. The answer given to it is stored (``Scan``), so a batch sent
twice or a request retried after a time-out gets the same answers and changes nothing. A batch is
worked set-based: its persons, enrollments, earlier samples and tubes are read in a few queries,
the rules run in memory in the batch's order, and the writes are a handful of statements. The
tubes of the batch are locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock is the
whole transaction) and their ``used`` places are written by one conditional UPDATE. Two batches
that sample the same person at once meet at the unique constraint of (round, person): the later
one is rolled back and worked again, and then sees the first one's sample.

The rule for two devices that put one person in two tubes (offline): the scan the server takes
first stands; the other is refused as "already sampled" and both go on the point's conflict list.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridguard.core.bulk import allocate_ids, insert_rows, read_datetime, sqlite_datetime
from gridguard.core.bulk import any_of as _in
from gridguard.core.bulk import sql_execute as _execute
from gridguard.core.bulk import sql_rows as _rows
from gridguard.core.errors import ApplicationError, FieldErrors, PermissionDenied
from gridguard.core.identity import IdNumberError, read_id_number
from gridguard.core.masking import mask_name
from gridguard.core.writelock import sqlite_writer
from gridguard.screening.codes import looks_like_code, read_code
from gridguard.screening.models import (
    CAPACITY,
    Enrollment,
    Mode,
    PointStaff,
    RecallStatus,
    Sample,
    SampleMove,
    SamplingPoint,
    Scan,
    ScanConflict,
    ScreeningRound,
    Tube,
    TubeStatus,
)
from gridguard.screening.services.common import require_open, scope_with

if TYPE_CHECKING:
    from gridguard.accounts.models import User
    from gridguard.accounts.scope import Scope

TUBE_CODE = re.compile(r"^[0-9A-Za-z-]{6,40}$")
CLIENT_ID = re.compile(r"^[0-9A-Za-z_.:-]{8,64}$")
MAX_BATCH = 5000
# A unique constraint met by a raw insert (executemany, COPY) is the driver's own error, not Django's.
CONFLICT = (IntegrityError, sqlite3.IntegrityError, psycopg.errors.IntegrityError)
# A device's clock may be off, but not by days: scans dated outside the round (± a day) are refused.
CLOCK_SLACK = dt.timedelta(days=1)


def _stamper() -> Any:
    """How a batch's datetimes are written by raw SQL, with the backend looked up once (a batch stamps
    two thousand values): as they are on PostgreSQL, as Django's naive UTC text on SQLite."""
    return (lambda at: at) if connection.vendor == "postgresql" else sqlite_datetime


class Outcome:
    """The codes of a scan's answer, with whether the scan counts and how the page shows it."""

    ACCEPTED = "accepted"
    REPEAT = "repeat"  # the same person in the same tube again: harmless
    CROSS_AREA = "cross_area"  # accepted after confirmation: lives outside the round's subtree
    CENTRAL = "central"  # accepted, with a warning: under central isolation
    RETEST = "retest"  # a recalled person's single-tube retest
    NEEDS_CONFIRM = "needs_confirm"  # outside the round's scope: confirm to sample
    ALREADY_SAMPLED = "already_sampled"
    TUBE_FULL = "tube_full"
    TUBE_CLOSED = "tube_closed"
    TUBE_OTHER_ROUND = "tube_other_round"
    TUBE_HOUSEHOLD = "tube_household"  # one tube per household: a person of another household
    UNKNOWN_CODE = "unknown_code"
    CODE_REISSUED = "code_reissued"
    ID_UNKNOWN = "id_unknown"  # a walk-in's number unknown to the ledger: register with a name
    BAD_ID = "bad_id"
    PERSON_INACTIVE = "person_inactive"
    BAD_ITEM = "bad_item"

    COUNTED = frozenset({ACCEPTED, CROSS_AREA, CENTRAL, RETEST})
    OK = COUNTED | {REPEAT}
    WARN = frozenset({CROSS_AREA, CENTRAL, NEEDS_CONFIRM})


@dataclass
class ScanItem:
    client_id: str
    tube_code: str
    code: str  # a person's code (核酸码), or an identity number typed or read from the card
    device_time: dt.datetime
    confirm: bool = False  # sample a person outside the round's scope (cross-area)
    mode: str = ""  # the mode of a new tube (default: the round's)
    name: str = ""  # a walk-in unknown to the ledger: registered with this name
    phone: str = ""


@dataclass
class ScanAnswer:
    client_id: str
    outcome: str
    message: str
    tube_code: str = ""
    tube_used: int | None = None
    tube_capacity: int | None = None
    person: str = ""  # the name as the sampler may see it
    replay: bool = False  # the answer given before to this client id

    @property
    def ok(self) -> bool:
        return self.outcome in Outcome.OK

    @property
    def level(self) -> str:
        if self.outcome in Outcome.WARN:
            return "warn"
        return "ok" if self.ok else "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id, "outcome": self.outcome, "ok": self.ok, "level": self.level,
            "message": self.message, "tube_code": self.tube_code, "tube_used": self.tube_used,
            "tube_capacity": self.tube_capacity, "person": self.person, "replay": self.replay,
        }


@dataclass
class _Person:
    id: int
    name: str
    node_path: str
    household_id: int | None
    active: bool


@dataclass
class _Tube:
    id: int
    code: str
    round_id: int
    capacity: int
    used: int
    status: str
    household_id: int | None
    is_retest: bool
    mode: str = ""
    new: bool = False
    members: set[int] = field(default_factory=set)
    start_used: int = 0
    start_household: int | None = None


def sampler_scope(actor: User | None, point: SamplingPoint, scope: Scope | None = None) -> Scope:
    """A sampler may scan at a point in their jurisdiction or at a point they are assigned to."""
    scope = scope_with(actor, "screening.sample", scope)
    if scope.covers(point.node_path):
        return scope
    if actor is not None and PointStaff.objects.filter(point=point, user=actor).exists():
        return scope
    raise PermissionDenied(_("您不是该采样点的采样人员"))


def _clean_items(raw: list[ScanItem], rnd: ScreeningRound, now: dt.datetime) -> tuple[list[ScanItem], list[ScanAnswer]]:
    """The items that can be worked, and an answer for each that cannot (not stored: the same item
    gets the same answer again)."""
    earliest = dt.datetime.combine(rnd.starts_on, dt.time.min, tzinfo=dt.UTC) - CLOCK_SLACK
    latest = now + CLOCK_SLACK
    good: list[ScanItem] = []
    bad: list[ScanAnswer] = []
    for item in raw:
        problems = []
        if not CLIENT_ID.match(item.client_id or ""):
            problems.append(_("扫码编号（client_id）应为 8–64 位字母、数字或 _.:-"))
        if not TUBE_CODE.match(item.tube_code or ""):
            problems.append(_("管码“{code}”应为 6–40 位字母、数字或 -").format(code=(item.tube_code or "")[:40]))
        if not (item.code or "").strip():
            problems.append(_("请扫描核酸码或输入身份证号"))
        if item.device_time.tzinfo is None:
            problems.append(_("采样时间须带时区"))
        elif not earliest <= item.device_time <= latest:
            problems.append(_("采样时间 {at} 不在本轮次日期内，请检查设备时钟").format(at=item.device_time.isoformat()))
        if item.mode and item.mode not in Mode.values:
            problems.append(_("采样方式“{mode}”无效").format(mode=item.mode[:20]))
        if problems:
            bad.append(ScanAnswer(item.client_id or "", Outcome.BAD_ITEM, "；".join(problems)))
        else:
            item.tube_code = item.tube_code.upper()
            good.append(item)
    return good, bad


def scans_submit(
    *,
    actor: User | None,
    rnd: ScreeningRound,
    point: SamplingPoint,
    items: list[ScanItem],
    device: str = "",
    scope: Scope | None = None,
    now: dt.datetime | None = None,
) -> list[ScanAnswer]:
    """Work a batch of scans at ``point`` and answer each, in the order given."""
    scope = sampler_scope(actor, point, scope)
    if point.round_id != rnd.pk:
        raise ApplicationError("point_other_round", _("该采样点不属于本轮次"), field="point")
    require_open(rnd)
    if len(items) > MAX_BATCH:
        raise ApplicationError("batch_too_big", _("一批最多 {n} 条").format(n=MAX_BATCH), field="scans")
    now = now or timezone.now()
    good, bad = _clean_items(items, rnd, now)
    # What no scan changes is read before the write turn: who the codes are, who is under central
    # isolation or recalled. On SQLite one batch writes at a time; the other reads meanwhile.
    known = _Known.read(good, rnd)
    answers: dict[str, ScanAnswer] = {}
    for attempt in range(3):
        try:
            with sqlite_writer(), transaction.atomic():
                answers = _work(actor, rnd, point, good, device[:64], now, scope, known.copy())
            break
        except CONFLICT:
            # Another batch took a person, a tube code or a client id first: work again, seeing it.
            if attempt == 2:
                raise
    bad_by_id = {a.client_id: a for a in bad}
    out: list[ScanAnswer] = []
    for item in items:
        answer = answers.get(item.client_id) if item.client_id not in bad_by_id else bad_by_id[item.client_id]
        out.append(answer or ScanAnswer(item.client_id, Outcome.BAD_ITEM, _("无效的扫码记录")))
    return out


def _stored(scan: tuple[Any, ...]) -> ScanAnswer:
    return ScanAnswer(scan[0], scan[1], scan[2], tube_code=scan[3], replay=True)


def _resolve_persons(items: list[ScanItem], rnd: ScreeningRound) -> _Known:
    """Map each scanned code to a person id (or to the refusal's outcome code), and read the persons
    with, in the same statement, their code's version, an open recall in the round and an active
    central isolation (one statement where there were four: a single scan pays each round trip)."""
    from gridguard.control.models import ControlOrder, Measure, OrderStatus
    from gridguard.people.models import Person, PersonStatus

    person_of: dict[str, int] = {}
    refused: dict[str, str] = {}
    versions: dict[int, int] = {}
    numbers: dict[str, str] = {}  # identity number → the code as scanned
    for item in items:
        raw = item.code.strip()
        if raw in person_of or raw in refused:
            continue
        if looks_like_code(raw):
            read = read_code(raw)
            if read is None:
                refused[raw] = Outcome.UNKNOWN_CODE
            else:
                person_of[raw] = read[0]
                versions[read[0]] = read[1]
            continue
        try:
            number, _birth, _sex = read_id_number(raw.upper())
        except IdNumberError:
            refused[raw] = Outcome.BAD_ID if raw.isdigit() or len(raw) in (15, 18) else Outcome.UNKNOWN_CODE
            continue
        numbers[number] = raw
    if numbers:
        for pid, number in Person.objects.filter(id_number__in=list(numbers)).order_by(
            "status", "id"
        ).values_list("id", "id_number"):
            person_of.setdefault(numbers[number], pid)
        for raw in numbers.values():
            if raw not in person_of:
                refused[raw] = Outcome.ID_UNKNOWN
    persons: dict[int, _Person] = {}
    current: dict[int, int] = {}
    recalled: set[int] = set()
    central: set[int] = set()
    if person_of:
        where, params = _in("p.id", set(person_of.values()))
        for row in _rows(
            "SELECT p.id, p.name, p.node_path, p.household_id, p.status,"
            " (SELECT c.version FROM screening_personcode c WHERE c.person_id = p.id),"
            " EXISTS (SELECT 1 FROM screening_recall r WHERE r.person_id = p.id AND r.round_id = %s AND r.status = %s),"
            f" EXISTS (SELECT 1 FROM {ControlOrder._meta.db_table} o"  # noqa: S608
            "  WHERE o.person_id = p.id AND o.status = %s AND o.measure = %s)"
            f" FROM people_person p WHERE {where}",
            [rnd.pk, RecallStatus.OPEN.value, OrderStatus.ACTIVE.value, Measure.CENTRAL_ISOLATION.value, *params],
        ):
            persons[row[0]] = _Person(row[0], row[1], row[2], row[3], row[4] == PersonStatus.ACTIVE)
            current[row[0]] = row[5] or 0
            if row[6]:
                recalled.add(row[0])
            if row[7]:
                central.add(row[0])
    if versions:
        for raw, pid in list(person_of.items()):
            if pid not in persons:
                del person_of[raw]
                refused[raw] = Outcome.UNKNOWN_CODE
            elif looks_like_code(raw) and versions.get(pid, 0) != current.get(pid, 0) % 256:
                del person_of[raw]
                refused[raw] = Outcome.CODE_REISSUED
    return _Known(person_of, refused, persons, central, recalled)


def _register_walk_ins(
    actor: User | None, point: SamplingPoint, items: list[ScanItem], refused: dict[str, str],
    person_of: dict[str, int], persons: dict[int, _Person],
) -> set[int]:
    """Walk-ins unknown to the ledger, with a name given: registered at the point's node (the
    ledger's own service, so its rules hold). Returns the new persons' ids."""
    from gridguard.accounts.scope import system_scope
    from gridguard.people.services import person_register

    new: set[int] = set()
    for item in items:
        raw = item.code.strip()
        if refused.get(raw) != Outcome.ID_UNKNOWN or not item.name.strip():
            continue
        person = person_register(
            actor=actor, data={"name": item.name.strip(), "id_number": raw, "phone": item.phone.strip(),
                               "residency": "temporary", "note": _("采样点现场登记")},
            node=point.node, scope=system_scope(),
        )
        del refused[raw]
        person_of[raw] = person.pk
        persons[person.pk] = _Person(person.pk, person.name, person.node_path, person.household_id, True)
        new.add(person.pk)
    return new


# The answer's text per outcome (translated once per batch, in the request's language).
_TEXTS = {
    Outcome.ACCEPTED: gettext_lazy("已采样：{person}（{used}/{capacity}）"),
    Outcome.REPEAT: gettext_lazy("{person} 已在此管中，无需重复"),
    Outcome.CROSS_AREA: gettext_lazy("跨区域采样：{person}（{used}/{capacity}）"),
    Outcome.CENTRAL: gettext_lazy("注意：{person} 正在集中隔离，已采样（{used}/{capacity}）"),
    Outcome.RETEST: gettext_lazy("复核单采：{person}"),
    Outcome.NEEDS_CONFIRM: gettext_lazy("{person} 不在本轮应检范围内，确认后按跨区域采样"),
    Outcome.ALREADY_SAMPLED: gettext_lazy("{person} 本轮已采样：{where}，{when}"),
    Outcome.TUBE_FULL: gettext_lazy("此管已满（{capacity} 人），请换新管"),
    Outcome.TUBE_CLOSED: gettext_lazy("此管已封管，请换新管"),
    Outcome.TUBE_OTHER_ROUND: gettext_lazy("管码 {tube} 已在其他轮次使用，请换新管"),
    Outcome.TUBE_HOUSEHOLD: gettext_lazy("一户一管：{person} 不是此管所属户的成员"),
    Outcome.UNKNOWN_CODE: gettext_lazy("不是有效的核酸码"),
    Outcome.CODE_REISSUED: gettext_lazy("此核酸码已作废（已重新发放），请出示新码"),
    Outcome.ID_UNKNOWN: gettext_lazy("台账中无此身份证号：请填写姓名现场登记"),
    Outcome.BAD_ID: gettext_lazy("身份证号有误"),
    Outcome.PERSON_INACTIVE: gettext_lazy("{person} 在台账中已迁出或注销，确认后按跨区域采样"),
}


def _message(outcome: str, cache: dict[str, str], **kw: Any) -> str:
    text = cache.get(outcome)
    if text is None:
        text = cache[outcome] = str(_TEXTS[outcome])
    return text.format(**kw)


@dataclass
class _Known:
    """What a batch's scans are decided on that the scans themselves never change, read before the
    write turn (a walk-in registered while working the batch is added to a copy)."""

    person_of: dict[str, int]
    refused: dict[str, str]
    persons: dict[int, _Person]
    central: set[int]
    recalled: set[int]

    @classmethod
    def read(cls, items: list[ScanItem], rnd: ScreeningRound) -> _Known:
        return _resolve_persons(items, rnd)

    def copy(self) -> _Known:
        return _Known(dict(self.person_of), dict(self.refused), dict(self.persons), self.central, self.recalled)


def _keyed_plans() -> None:
    """PostgreSQL: no sequential scans in the batch's transaction. Every statement of a batch reads by a
    key (ids, codes, client ids, persons); but a round's tables grow by a million rows in an hour, and a
    planner misled by statistics taken when they were small (before autovacuum analyses them again)
    scans the whole samples table for a thousand persons: 130 ms a batch instead of 4 at a million
    samples (test_a_batch_reads_the_samples_of_its_persons_not_of_the_round)."""
    if connection.vendor == "postgresql":
        _execute("SET LOCAL enable_seqscan = off", [])


def _work(
    actor: User | None, rnd: ScreeningRound, point: SamplingPoint, items: list[ScanItem], device: str,
    now: dt.datetime, scope: Scope, known: _Known,
) -> dict[str, ScanAnswer]:
    answers: dict[str, ScanAnswer] = {}
    _keyed_plans()
    where, params = _in("client_id", [i.client_id for i in items])
    stored = {
        row[0]: row
        for row in _rows(f"SELECT client_id, outcome, message, tube_code FROM screening_scan WHERE {where}", params)  # noqa: S608
    }
    fresh: list[ScanItem] = []
    seen: set[str] = set()
    for item in items:
        if item.client_id in stored:
            answers[item.client_id] = _stored(stored[item.client_id])
        elif item.client_id not in seen:
            seen.add(item.client_id)
            fresh.append(item)
    if not fresh:
        return answers

    person_of, refused, persons = known.person_of, known.refused, known.persons
    walk_ins = _register_walk_ins(actor, point, fresh, refused, person_of, persons)
    pids = list({person_of[i.code.strip()] for i in fresh if i.code.strip() in person_of})
    recalled, central = known.recalled, known.central
    enrolled: dict[int, str] = {}
    earlier: dict[int, tuple[Any, ...]] = {}
    retested: list[tuple[int, int]] = []
    if pids:
        where, params = _in("person_id", pids)
        enrolled = dict(_rows(
            f"SELECT person_id, state FROM screening_enrollment WHERE round_id = %s AND {where}",  # noqa: S608
            [rnd.pk, *params],
        ))
        where, params = _in("s.person_id", pids)
        # By the person's index (test_a_batch_reads_the_samples_of_its_persons_not_of_the_round): the
        # samples' only index starting with the round is partial (first samples), which this cannot use.
        for row in _rows(
            "SELECT s.person_id, s.tube_id, t.code, s.id, s.sampled_at, s.device, s.is_retest"
            " FROM screening_sample s JOIN screening_tube t ON t.id = s.tube_id"
            f" WHERE s.round_id = %s AND {where}",  # noqa: S608
            [rnd.pk, *params],
        ):
            if row[6]:
                retested.append((row[1], row[0]))
            else:
                earlier[row[0]] = (row[1], row[2], row[3], read_datetime(row[4]), row[5])

    tubes = _lock_tubes(rnd, fresh)
    by_id = {t.id: t for t in tubes.values()}
    for tube_id, member in retested:  # a recalled person's retest tube holds them
        if tube_id in by_id:
            by_id[tube_id].members.add(member)

    end = rnd.node_path + "~"
    new_samples: list[tuple[Any, ...]] = []
    new_scans: list[tuple[Any, ...]] = []
    conflicts: list[tuple[int, int, str]] = []  # (person, kept sample, refused client id)
    sampled_now: dict[int, Any] = {}  # person → the device's time as written (see _stamper)
    enrol_new: list[int] = []
    retests: list[tuple[int, str]] = []  # (person, tube code)
    sample_ids = iter(allocate_ids(Sample, len(fresh)))
    sample_of_client: dict[str, int] = {}
    texts: dict[str, str] = {}
    stamp_of = _stamper()
    stamp = stamp_of(now)
    stamps: dict[dt.datetime, Any] = {}  # a device's scans of one second share their stamp
    masked = not scope.has("people.reveal")
    round_id, point_id, actor_id = rnd.pk, point.pk, (actor.pk if actor else None)  # once, not per scan
    for item in fresh:
        raw = item.code.strip()
        tube = tubes[item.tube_code]
        person_id = person_of.get(raw)
        person = persons.get(person_id) if person_id is not None else None
        shown = (mask_name(person.name) if masked else person.name) if person else ""
        outcome, kw = _decide(item, round_id, tube, person, earlier, recalled, central, refused.get(raw), end)
        at = stamps.get(item.device_time)
        if at is None:
            at = stamps[item.device_time] = stamp_of(item.device_time)
        if outcome == Outcome.REPEAT:
            pass
        elif outcome in Outcome.COUNTED:
            assert person is not None
            sid = next(sample_ids)
            sample_of_client[item.client_id] = sid
            is_retest = outcome == Outcome.RETEST
            new_samples.append((sid, round_id, tube.id, person.id, person.node_path, is_retest,
                                outcome == Outcome.CROSS_AREA, at, stamp,
                                actor_id, device))
            tube.used += 1
            tube.members.add(person.id)
            if tube.mode == Mode.HOUSEHOLD and tube.household_id is None:
                tube.household_id = person.household_id
            if is_retest:
                tube.is_retest = True
                retests.append((person.id, tube.code))
            else:
                earlier[person.id] = (tube.id, tube.code, sid, item.device_time, device)
                if person.id not in enrolled and person.node_path >= rnd.node_path and person.node_path < end:
                    enrolled[person.id] = "due"
                    enrol_new.append(person.id)
                if person.id in enrolled:
                    sampled_now[person.id] = at
        elif outcome == Outcome.ALREADY_SAMPLED and person is not None:
            prior = earlier[person.id]
            if prior[4] != device and prior[0] != tube.id:
                conflicts.append((person.id, prior[2], item.client_id))
        kw.setdefault("person", shown)
        kw.setdefault("used", tube.used)
        kw.setdefault("capacity", tube.capacity)
        kw.setdefault("tube", tube.code)
        answer = ScanAnswer(
            item.client_id, outcome, _message(outcome, texts, **kw), tube_code=tube.code, tube_used=tube.used,
            tube_capacity=tube.capacity, person=shown,
        )
        answers[item.client_id] = answer
        new_scans.append((item.client_id, round_id, point_id, tube.code, raw[:64], device, at, stamp,
                          outcome, answer.message[:200], sample_of_client.get(item.client_id),
                          actor_id))

    _write(rnd, point, tubes, new_samples, new_scans, sampled_now, enrol_new, walk_ins, persons, conflicts, now,
           actor_id)
    if retests:
        from gridguard.screening.services.recall import recall_sampled

        recall_sampled(rnd=rnd, retests=retests, now=now)
    return answers


def _decide(
    item: ScanItem, round_id: int, tube: _Tube, person: _Person | None,
    earlier: dict[int, tuple[Any, ...]], recalled: set[int], central: set[int], refusal: str | None, end: str,
) -> tuple[str, dict[str, Any]]:
    """The rules of one scan, in the order a sampler expects them."""
    if tube.round_id != round_id:
        return Outcome.TUBE_OTHER_ROUND, {}
    if refusal is not None or person is None:
        return refusal or Outcome.UNKNOWN_CODE, {}
    prior = earlier.get(person.id)
    if person.id in tube.members or (prior is not None and prior[0] == tube.id):
        return Outcome.REPEAT, {}
    if tube.status != TubeStatus.OPEN:
        return Outcome.TUBE_CLOSED, {}
    if person.id in recalled and tube.capacity == 1:
        return (Outcome.TUBE_FULL, {}) if tube.used >= 1 else (Outcome.RETEST, {})
    if prior is not None:
        when = timezone.localtime(prior[3]).strftime("%m-%d %H:%M")
        return Outcome.ALREADY_SAMPLED, {"where": _("管 {tube}").format(tube=prior[1]), "when": when}
    if tube.used >= tube.capacity:
        return Outcome.TUBE_FULL, {}
    if tube.household_id is not None and person.household_id != tube.household_id:
        return Outcome.TUBE_HOUSEHOLD, {}
    in_subtree = end[:-1] <= person.node_path < end
    if not person.active or not in_subtree:
        if not item.confirm:
            return (Outcome.PERSON_INACTIVE if not person.active else Outcome.NEEDS_CONFIRM), {}
        return Outcome.CROSS_AREA, {}
    if person.id in central:
        return Outcome.CENTRAL, {}
    return Outcome.ACCEPTED, {}


def _lock_tubes(rnd: ScreeningRound, items: list[ScanItem]) -> dict[str, _Tube]:
    """The batch's tubes, locked; the codes never seen before become new open tubes of this round."""
    codes = sorted({i.tube_code for i in items})
    tubes: dict[str, _Tube] = {}
    where, params = _in("code", codes)
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    for row in _rows(
        "SELECT id, code, round_id, capacity, used, status, household_id, is_retest, mode FROM screening_tube"
        f" WHERE {where} ORDER BY id{lock}",  # noqa: S608
        params,
    ):
        tube = _Tube(*row)
        tube.start_used = tube.used
        tube.start_household = tube.household_id
        tubes[tube.code] = tube
    missing = [c for c in codes if c not in tubes]
    if missing:
        mode_of: dict[str, str] = {}
        for item in items:
            mode_of.setdefault(item.tube_code, item.mode or rnd.mode)
        ids = allocate_ids(Tube, len(missing))
        for tid, code in zip(ids, missing, strict=True):
            mode = mode_of[code]
            # written by _write only if a scan counts in it: a refused scan leaves no empty tube behind
            tubes[code] = _Tube(tid, code, rnd.pk, CAPACITY[Mode(mode)], 0, TubeStatus.OPEN, None, False, mode,
                                new=True)
    return tubes


def _write(
    rnd: ScreeningRound, point: SamplingPoint, tubes: dict[str, _Tube], samples: list[tuple[Any, ...]],
    scans: list[tuple[Any, ...]], sampled_now: dict[int, Any], enrol_new: list[int], walk_ins: set[int],
    persons: dict[int, _Person], conflicts: list[tuple[int, int, str]], now: dt.datetime, actor_id: int | None,
) -> None:
    # PostgreSQL: a binary COPY (the values as their columns' types: no text made and parsed a row)
    stamp = _stamper()(now)
    created = [t for t in tubes.values() if t.new and t.used]
    if created:
        insert_rows(Tube, ["id", "round_id", "point_id", "node_path", "code", "mode", "capacity", "used",
                           "household_id", "is_retest", "status", "opened_at", "opened_by_id", "result", "lab",
                           "closed_at"],
                    [(t.id, rnd.pk, point.pk, point.node_path, t.code, t.mode, t.capacity, t.used, t.household_id,
                      t.is_retest, (TubeStatus.CLOSED if t.used >= t.capacity else TubeStatus.OPEN).value, stamp,
                      actor_id, "", "", stamp if t.used >= t.capacity else None) for t in created], binary=True)
    if samples:
        insert_rows(Sample, ["id", "round_id", "tube_id", "person_id", "node_path", "is_retest", "cross_area",
                             "sampled_at", "received_at", "sampler_id", "device"], samples, binary=True)
    changed = [t for t in tubes.values()
               if not t.new and (t.used != t.start_used or t.household_id != t.start_household)]
    if changed:
        grown = [t for t in changed if t.used != t.start_used]
        if connection.vendor == "postgresql" and grown:
            _tubes_grow_pg(grown, stamp)
        elif grown:
            _tubes_grow(changed, grown, stamp)
        for t in changed:
            if t.household_id != t.start_household:  # the first person of a one-tube-per-household tube
                Tube.objects.filter(id=t.id, household_id__isnull=True).update(household_id=t.household_id)
        retest_tubes = [t.id for t in changed if t.is_retest]
        if retest_tubes:
            Tube.objects.filter(id__in=retest_tubes).update(is_retest=True)
    if enrol_new:
        Enrollment.objects.bulk_create([
            Enrollment(round=rnd, person_id=pid, node_path=persons[pid].node_path,
                       household_id=persons[pid].household_id, is_new=pid in walk_ins)
            for pid in enrol_new
        ])
    if sampled_now:
        if connection.vendor == "postgresql":  # one statement over two arrays
            _execute(
                "UPDATE screening_enrollment e SET sampled_at = v.at"
                " FROM unnest(%b::bigint[], %b::timestamptz[]) AS v(pid, at)"
                " WHERE e.round_id = %s AND e.person_id = v.pid",
                [list(sampled_now), list(sampled_now.values()), rnd.pk],
            )
        else:  # SQLite runs a prepared statement per row at C speed
            with connection.cursor() as cur:
                cur.executemany(
                    "UPDATE screening_enrollment SET sampled_at = %s WHERE round_id = %s AND person_id = %s",
                    [(at, rnd.pk, pid) for pid, at in sampled_now.items()],
                )
    scan_ids = allocate_ids(Scan, len(scans))
    insert_rows(Scan, ["id", "client_id", "round_id", "point_id", "tube_code", "code", "device", "device_time",
                       "received_at", "outcome", "message", "sample_id", "actor_id"],
                [(sid, *row) for sid, row in zip(scan_ids, scans, strict=True)], binary=True)
    if conflicts:
        scan_of = dict(zip([row[0] for row in scans], scan_ids, strict=True))
        ScanConflict.objects.bulk_create([
            ScanConflict(round=rnd, point=point, person_id=pid, kept_id=kept, refused_id=scan_of[client], at=now)
            for pid, kept, client in conflicts
        ])


def _tubes_grow(changed: list[_Tube], grown: list[_Tube], stamp: Any) -> None:
    """The places taken are added to what the rows hold (SQLite writes alone), the full tubes closed,
    and a tube over its capacity rolls the batch back."""
    with connection.cursor() as cur:
        cur.executemany("UPDATE screening_tube SET used = used + %s WHERE id = %s",
                        [(t.used - t.start_used, t.id) for t in grown])
    full = [t.id for t in changed if t.used >= t.capacity]
    if full:
        where, params = _in("id", full)
        _execute(f"UPDATE screening_tube SET status = %s, closed_at = %s WHERE status = %s AND {where}",  # noqa: S608
                 [TubeStatus.CLOSED.value, stamp, TubeStatus.OPEN.value, *params])
    where, params = _in("id", [t.id for t in grown])
    if _rows(f"SELECT id FROM screening_tube WHERE used > capacity AND {where}", params):  # noqa: S608
        raise IntegrityError("tube over capacity")


def _tubes_grow_pg(grown: list[_Tube], stamp: Any) -> None:
    """The same in one statement on PostgreSQL (the rows locked by ``_lock_tubes``): the places added,
    a tube closed when this fills it, and whether any is over its capacity returned."""
    over = _rows(
        "UPDATE screening_tube t SET used = t.used + v.n,"
        " status = CASE WHEN t.status = %s AND t.used + v.n >= t.capacity THEN %s ELSE t.status END,"
        " closed_at = CASE WHEN t.status = %s AND t.used + v.n >= t.capacity THEN %s ELSE t.closed_at END"
        " FROM unnest(%b::bigint[], %b::int[]) AS v(id, n) WHERE t.id = v.id"
        " RETURNING t.id, t.used > t.capacity",
        [TubeStatus.OPEN.value, TubeStatus.CLOSED.value, TubeStatus.OPEN.value, stamp,
         [t.id for t in grown], [t.used - t.start_used for t in grown]],
    )
    if any(row[1] for row in over):
        raise IntegrityError("tube over capacity")


# --- by hand: close a tube, move a person --------------------------------------------------------


def tube_close(
    *, actor: User | None, tube: Tube, scope: Scope | None = None, now: dt.datetime | None = None
) -> Tube:
    """Close a tube by hand (a tube closes by itself when full). Closing a closed tube changes nothing."""
    point = tube.point
    if point is None:
        scope_with(actor, "screening.sample", scope).check(tube.node_path)
    else:
        sampler_scope(actor, point, scope)
    with transaction.atomic():
        tube = Tube.objects.select_for_update().get(pk=tube.pk)
        if tube.status != TubeStatus.OPEN:
            return tube
        if tube.used == 0:
            raise ApplicationError("tube_empty", _("空管不能封管"))
        tube.status = TubeStatus.CLOSED
        tube.closed_at = now or timezone.now()
        tube.save(update_fields=["status", "closed_at"])
    return tube


def sample_move(
    *, actor: User | None, sample: Sample, to_code: str, reason: str = "", scope: Scope | None = None,
    now: dt.datetime | None = None,
) -> Sample:
    """Move a person to another tube of the same round (a mistake at the point), in one atomic step:
    both tubes locked, the places moved, the move recorded."""
    now = now or timezone.now()
    errors: list[ApplicationError] = []
    to_code = (to_code or "").strip().upper()
    if not TUBE_CODE.match(to_code):
        errors.append(ApplicationError("bad_tube", _("请扫描或输入目标管码"), field="to_tube"))
    if reason[:1] in ("=", "+", "-", "@"):
        errors.append(ApplicationError("bad_reason", _("原因不能以 = + - @ 开头"), field="reason"))
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        sample = Sample.objects.select_related("tube__point").get(pk=sample.pk)
        source = sample.tube
        if source.point is not None:
            sampler_scope(actor, source.point, scope)
        else:
            scope_with(actor, "screening.sample", scope).check(source.node_path)
        locked = {
            t.code: t for t in Tube.objects.select_for_update().filter(code__in=[source.code, to_code]).order_by("id")
        }
        target = locked.get(to_code)
        if target is None or target.round_id != sample.round_id:
            raise ApplicationError("tube_unknown", _("本轮次没有管码 {code}").format(code=to_code), field="to_tube")
        source = locked[source.code]
        if target.pk == source.pk:
            raise ApplicationError("same_tube", _("已在此管中"), field="to_tube")
        if source.status not in (TubeStatus.OPEN, TubeStatus.CLOSED) or target.status != TubeStatus.OPEN:
            raise ApplicationError("tube_not_open", _("只能在未装箱的管之间调整，且目标管须未封管"), field="to_tube")
        if target.used >= target.capacity:
            raise ApplicationError("tube_full", _("目标管已满"), field="to_tube")
        Tube.objects.filter(pk=source.pk).update(used=F("used") - 1)
        if not Tube.objects.filter(pk=target.pk, used__lt=F("capacity")).update(used=F("used") + 1):
            raise ApplicationError("tube_full", _("目标管已满"), field="to_tube")
        sample.tube = target
        sample.save(update_fields=["tube"])
        SampleMove.objects.create(sample=sample, from_tube=source, to_tube=target, reason=reason[:200], at=now,
                                  actor=actor)
    return sample
