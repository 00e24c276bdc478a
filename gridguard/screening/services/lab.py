"""Lab results per tube: entered by hand or by scanning, uploaded as a .csv/.xlsx (the import kind
``screening_results``) or sent through the API — all through ``results_apply``.

Every row is checked, and every row that cannot be applied is answered with its reason, never
dropped: a tube the round does not have (or that the lab may not see), a tube of another round, a
tube still open, a second result that differs from the one recorded (the same result again is a
harmless repeat), bad values. The good rows are applied set-based: the file's tubes are read in
chunks, written by one ``UPDATE … FROM (VALUES …)`` per chunk, the persons' enrollments by one
UPDATE per chunk and result, then the recalls of the positive pools (``recall.recalls_open``), the
closing of recalls by single tubes (``recall.singles_resulted``) and the scheduled tests of persons
under control (``control.services.tests_fill_from_results``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.core.bulk import any_of, binding_cursor, sql_rows
from gridguard.core.errors import ApplicationError
from gridguard.core.normalize import FORMULA_STARTS, clean_text
from gridguard.screening.models import (
    Enrollment,
    Result,
    RoundStatus,
    Sample,
    ScreeningRound,
    TubeStatus,
)
from gridguard.screening.services.common import local_date, scope_with
from gridguard.screening.services.recall import recalls_open, singles_resulted
from gridguard.screening.services.scans import TUBE_CODE

if TYPE_CHECKING:
    from gridguard.accounts.models import User
    from gridguard.accounts.scope import Scope

CHUNK = 1000  # tubes per UPDATE on SQLite (4 parameters a row: well under its limit)
READ_CHUNK = 10_000  # tubes per read (one parameter), and per UPDATE on PostgreSQL (four arrays)
FUTURE_SLACK = dt.timedelta(minutes=10)

RESULT_WORDS = {
    "阴性": Result.NEGATIVE, "negative": Result.NEGATIVE, "neg": Result.NEGATIVE, "n": Result.NEGATIVE,
    "阳性": Result.POSITIVE, "positive": Result.POSITIVE, "pos": Result.POSITIVE, "p": Result.POSITIVE,
    "无效": Result.INVALID, "invalid": Result.INVALID, "无效（需重采）": Result.INVALID,
}
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y%m%d%H%M%S", "%Y%m%d %H:%M")


@dataclass
class ResultRow:
    tube_code: str
    result: str  # a Result value
    tested_at: dt.datetime
    lab: str = ""
    row: int = 0  # the file's row number (0: entered by hand or through the API)


@dataclass
class RowProblem:
    row: int
    column: str  # tube_code, result, tested_at, lab
    value: str
    message: str
    code: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message,
                "code": self.code}


@dataclass
class ApplyResult:
    applied: int = 0
    repeats: int = 0
    positives: int = 0
    recalls: int = 0
    orders: int = 0
    tests_filled: int = 0
    lifted: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "repeats": self.repeats, "positives": self.positives,
                "recalls": self.recalls, "orders": self.orders, "tests_filled": self.tests_filled,
                "lifted": self.lifted}


# --- one value at a time ----------------------------------------------------------------------


def _formula(text: str) -> bool:
    return text[:1] in FORMULA_STARTS


def parse_result(value: Any) -> str:
    text = clean_text(value).lower()
    if not text:
        raise ApplicationError("result_required", _("请填写结果（阴性/阳性/无效）"), field="result")
    if _formula(text) and text not in ("+", "-"):
        raise ApplicationError("formula", _("单元格像公式，不能作为结果"), field="result")
    found = RESULT_WORDS.get(text) or {"+": Result.POSITIVE, "-": Result.NEGATIVE}.get(text)
    if found is None:
        raise ApplicationError("result_bad", _("结果“{v}”无效：应为阴性、阳性或无效").format(v=text[:20]),
                               field="result")
    return found


def parse_tube_code(value: Any) -> str:
    text = clean_text(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a code that the spreadsheet turned into a number
    if not text:
        raise ApplicationError("tube_required", _("请填写管码"), field="tube_code")
    if _formula(text):
        raise ApplicationError("formula", _("单元格像公式，不是管码"), field="tube_code")
    code = text.upper()
    if not TUBE_CODE.match(code):
        raise ApplicationError("tube_bad", _("管码应为 6–40 位字母、数字或 -"), field="tube_code")
    return code


_PLAIN_TIME = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


@functools.lru_cache(maxsize=4096)
def _plain_time(text: str) -> dt.datetime | None:
    """The common "2026-12-01 14:30[:00]" of a lab file, read at once (a file repeats its times)."""
    m = _PLAIN_TIME.match(text)
    if m is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(g or 0) for g in m.groups())
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(settings.TIME_ZONE))
    except ValueError:
        return None


def parse_tested_at(value: Any, now: dt.datetime) -> dt.datetime:
    if isinstance(value, str):
        fast = _plain_time(value.strip())
        if fast is not None:
            if fast > now + FUTURE_SLACK:
                raise ApplicationError("tested_at_future", _("检测时间晚于现在"), field="tested_at")
            return fast
    tz = ZoneInfo(settings.TIME_ZONE)
    at: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        at = value
    elif isinstance(value, dt.date):
        raise ApplicationError("tested_at_bad", _("检测时间须有时刻（如 2026-12-01 14:30）"), field="tested_at")
    else:
        text = clean_text(value)
        if not text:
            raise ApplicationError("tested_at_required", _("请填写检测时间"), field="tested_at")
        if _formula(text):
            raise ApplicationError("formula", _("单元格像公式，不是时间"), field="tested_at")
        try:
            at = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in DATETIME_FORMATS:
                try:
                    at = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware just below
                    break
                except ValueError:
                    continue
        if at is None:
            raise ApplicationError(
                "tested_at_bad", _("检测时间“{v}”无法识别，请写成 2026-12-01 14:30").format(v=text[:30]),
                field="tested_at",
            )
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    if at > now + FUTURE_SLACK:
        raise ApplicationError("tested_at_future", _("检测时间晚于现在"), field="tested_at")
    return at


def parse_lab(value: Any) -> str:
    text = clean_text(value)
    if _formula(text):
        raise ApplicationError("formula", _("单元格像公式，不是机构名称"), field="lab")
    if len(text) > 80:
        raise ApplicationError("lab_long", _("检测机构最多 80 个字"), field="lab")
    return text


# --- applying rows ------------------------------------------------------------------------------


@dataclass(slots=True)
class _TubeRow:
    id: int
    code: str
    round_id: int
    status: str
    result: str
    capacity: int
    is_retest: bool
    node_path: str


def lab_scope(actor: User | None, scope: Scope | None = None) -> Scope:
    return scope_with(actor, "screening.lab", scope)


def results_apply(
    *,
    actor: User | None,
    rnd: ScreeningRound,
    rows: Sequence[ResultRow],
    scope: Scope | None = None,
    all_or_nothing: bool = False,
    problems: list[RowProblem] | None = None,
    now: dt.datetime | None = None,
) -> ApplyResult:
    """Check ``rows`` against the round's tubes and apply the good ones (see the module). With
    ``all_or_nothing``, one problem (among ``problems`` found before, in parsing, too) writes nothing."""
    scope = lab_scope(actor, scope)
    now = now or timezone.now()
    out = ApplyResult(problems=list(problems or []))
    if rnd.status == RoundStatus.DRAFT:
        raise ApplicationError("round_draft", _("轮次“{name}”尚未开始").format(name=rnd.name))
    with transaction.atomic():
        good = _check(rnd, rows, scope, out)
        if out.problems and all_or_nothing:
            return out
        if good:
            _write(actor, rnd, good, out, now)
            out.written = True
    return out


def _tubes(codes: list[str]) -> dict[str, _TubeRow]:
    """The file's tubes (locked on PostgreSQL), read ten thousand codes a statement."""
    found: dict[str, _TubeRow] = {}
    lock = " ORDER BY id FOR UPDATE" if connection.vendor == "postgresql" else ""
    for start in range(0, len(codes), READ_CHUNK):
        where, params = any_of("code", codes[start : start + READ_CHUNK])
        for row in sql_rows(
            "SELECT id, code, round_id, status, result, capacity, is_retest, node_path FROM screening_tube"  # noqa: S608
            f" WHERE {where}{lock}", params,
        ):
            found[row[1]] = _TubeRow(*row)
    return found


def _check(rnd: ScreeningRound, rows: Sequence[ResultRow], scope: Scope,
           out: ApplyResult) -> list[tuple[ResultRow, _TubeRow]]:
    tubes = _tubes(sorted({r.tube_code for r in rows}))
    good: list[tuple[ResultRow, _TubeRow]] = []
    in_file: dict[str, ResultRow] = {}

    def problem(r: ResultRow, column: str, message: str, code: str) -> None:
        value = {"tube_code": r.tube_code, "result": str(Result(r.result).label), "lab": r.lab}.get(column, "")
        out.problems.append(RowProblem(r.row, column, value, message, code))

    for r in rows:
        tube = tubes.get(r.tube_code)
        if tube is None or not scope.covers(tube.node_path):
            problem(r, "tube_code", _("没有此管码（未采样或不在您的范围内）"), "tube_unknown")
            continue
        if tube.round_id != rnd.pk:
            problem(r, "tube_code", _("此管属于其他轮次，不是“{name}”的管").format(name=rnd.name), "tube_other_round")
            continue
        if tube.status == TubeStatus.OPEN:
            problem(r, "tube_code", _("此管尚未封管，不能录入结果"), "tube_open")
            continue
        earlier = in_file.get(r.tube_code)
        recorded = earlier.result if earlier is not None else tube.result
        if recorded:
            if recorded == r.result:
                out.repeats += 1  # the same result again: harmless
            else:
                where = (_("文件第 {row} 行").format(row=earlier.row) if earlier is not None and earlier.row
                         else _("已录入"))
                problem(r, "result", _("与{where}的结果“{old}”不一致，请核实后由管理员更正").format(
                    where=where, old=Result(recorded).label), "result_conflict")
            continue
        in_file[r.tube_code] = r
        good.append((r, tube))
    return good


def stamp(at: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(at)


def _write_tubes(chunk: list[tuple[ResultRow, _TubeRow]], now: dt.datetime) -> None:
    """One statement per chunk; "result = ''" keeps a result written by another lab a moment ago."""
    if connection.vendor == "postgresql":  # four arrays, bound in binary
        sql = (
            "UPDATE screening_tube SET result = v.result, tested_at = v.at, lab = v.lab, status = %s, result_at = %s"
            " FROM unnest(%b::bigint[], %b::text[], %b::timestamptz[], %b::text[]) AS v(id, result, at, lab)"
            " WHERE screening_tube.id = v.id AND screening_tube.result = ''"
        )
        params: list[Any] = [TubeStatus.RESULTED.value, now, [t.id for _r, t in chunk], [r.result for r, _t in chunk],
                             [r.tested_at for r, _t in chunk], [r.lab for r, _t in chunk]]
    else:
        values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
        params = [TubeStatus.RESULTED.value, stamp(now)]
        for r, tube in chunk:  # datetimes as the ORM writes them (naive UTC text), so its lookups match
            params.extend([tube.id, r.result, stamp(r.tested_at), r.lab])
        sql = (
            "UPDATE screening_tube SET result = v.column2, tested_at = v.column3, lab = v.column4, "  # noqa: S608
            f"status = %s, result_at = %s FROM (VALUES {values}) AS v "
            "WHERE screening_tube.id = v.column1 AND screening_tube.result = ''"
        )
    with binding_cursor() as cur:
        cur.execute(sql, params)
        if cur.rowcount != len(chunk):
            raise ApplicationError("results_raced", _("有管的结果刚被另一处录入，请重新上传"))


def _write(actor: User | None, rnd: ScreeningRound, good: list[tuple[ResultRow, _TubeRow]], out: ApplyResult,
           now: dt.datetime) -> None:
    size = READ_CHUNK if connection.vendor == "postgresql" else CHUNK  # SQLite: 4 parameters a row
    for start in range(0, len(good), size):
        _write_tubes(good[start : start + size], now)
    out.applied = len(good)

    by_result: dict[str, list[int]] = {}
    pools: list[int] = []
    singles: dict[int, str] = {}
    retest_ids: set[int] = set()
    for r, tube in good:
        by_result.setdefault(r.result, []).append(tube.id)
        if tube.capacity > 1 and not tube.is_retest:
            if r.result == Result.POSITIVE:
                pools.append(tube.id)
        else:
            singles[tube.id] = r.result
            if tube.is_retest:
                retest_ids.add(tube.id)
    out.positives = len(by_result.get(Result.POSITIVE, []))
    _enrollments(rnd, by_result, retest_ids, now)
    out.recalls = recalls_open(rnd=rnd, pool_ids=pools, now=now)
    closed = singles_resulted(actor=actor, rnd=rnd, results=singles, now=now)
    out.orders = closed["orders"]
    out.lifted = closed["lifted"]
    out.tests_filled = _fill_control_tests(actor, rnd, good)


_ENROLL_SQL = """
UPDATE screening_enrollment SET result = %s
FROM screening_sample s JOIN screening_tube t ON t.id = s.tube_id
WHERE t.round_id = %s AND t.status = %s AND t.result_at = %s AND t.result = %s AND NOT t.is_retest
  AND screening_enrollment.round_id = %s AND screening_enrollment.person_id = s.person_id
  AND screening_enrollment.result IN ({allowed})
"""


def _enrollments(rnd: ScreeningRound, by_result: dict[str, list[int]], retest_ids: set[int], now: dt.datetime) -> None:
    """The persons' results in the round: invalid only where none is known, negative over invalid,
    positive over everything; a single-tube retest's result is the person's own and replaces the pool's.
    One joined UPDATE per result over the tubes this call resulted (``result_at = now``): the database
    joins samples to enrollments in one pass (an IN list per chunk costs PostgreSQL seconds)."""
    allowed = {
        Result.INVALID: [""],
        Result.NEGATIVE: ["", Result.INVALID.value],
        Result.POSITIVE: ["", Result.INVALID.value, Result.NEGATIVE.value],
    }
    with connection.cursor() as cur:
        for result in (Result.INVALID, Result.NEGATIVE, Result.POSITIVE):
            if not by_result.get(result):
                continue
            sql = _ENROLL_SQL.format(allowed=", ".join(["%s"] * len(allowed[result])))
            cur.execute(sql, [result.value, rnd.pk, TubeStatus.RESULTED.value, stamp(now), result.value, rnd.pk,
                              *allowed[result]])
    for result in (Result.NEGATIVE, Result.POSITIVE):
        ids = [t for t in by_result.get(result, []) if t in retest_ids]
        for start in range(0, len(ids), CHUNK):
            persons = Sample.objects.filter(tube_id__in=ids[start : start + CHUNK]).values("person_id")
            Enrollment.objects.filter(round=rnd, person_id__in=persons).update(result=result)


def _fill_control_tests(actor: User | None, rnd: ScreeningRound, good: list[tuple[ResultRow, _TubeRow]]) -> int:
    """The persons of these tubes who are under an active control order: their test of the day."""
    from gridguard.control.models import ControlOrder, OrderStatus
    from gridguard.control.services import OutsideResult, tests_fill_from_results

    result_of = {tube.id: r for r, tube in good if r.result in (Result.NEGATIVE, Result.POSITIVE)}
    if not result_of:
        return 0
    # persons under control are few (thousands), tubes many: their samples in the round, then the tubes
    controlled = list(ControlOrder.objects.filter(status=OrderStatus.ACTIVE).values_list("person_id", flat=True))
    outside: list[OutsideResult] = []
    for start in range(0, len(controlled), CHUNK):
        for tube_id, pid, sampled in Sample.objects.filter(
            round=rnd, person_id__in=controlled[start : start + CHUNK]
        ).values_list("tube_id", "person_id", "sampled_at"):
            r = result_of.get(tube_id)
            if r is None:
                continue
            outside.append(OutsideResult(
                person_id=pid, date=local_date(sampled), result=r.result, at=r.tested_at,
                detail=_("{round} 核酸检测阳性（管 {tube}）").format(round=rnd.name, tube=r.tube_code),
            ))
    return tests_fill_from_results(actor=actor, results=outside) if outside else 0


# --- one result by hand or by scan ------------------------------------------------------------


def result_record(
    *,
    actor: User | None,
    rnd: ScreeningRound,
    tube_code: str,
    result: str,
    tested_at: Any = None,
    lab: str = "",
    scope: Scope | None = None,
    now: dt.datetime | None = None,
) -> ApplyResult:
    """One tube's result, typed or scanned. Every wrong field is named; a problem with the tube
    (unknown, other round, a different result recorded) is raised as an ApplicationError."""
    from gridguard.core.errors import FieldErrors

    now = now or timezone.now()
    lab_scope(actor, scope)
    errors: list[ApplicationError] = []
    parsed: dict[str, Any] = {}
    for key, fn in (("tube_code", parse_tube_code), ("result", parse_result), ("lab", parse_lab)):
        try:
            parsed[key] = fn(tube_code if key == "tube_code" else result if key == "result" else lab)
        except ApplicationError as exc:
            errors.append(exc)
    try:
        parsed["tested_at"] = now if tested_at in (None, "") else parse_tested_at(tested_at, now)
    except ApplicationError as exc:
        errors.append(exc)
    if errors:
        raise FieldErrors(errors)
    row = ResultRow(parsed["tube_code"], parsed["result"], parsed["tested_at"], parsed["lab"])
    done = results_apply(actor=actor, rnd=rnd, rows=[row], scope=scope, all_or_nothing=True, now=now)
    if done.problems:
        p = done.problems[0]
        raise ApplicationError(p.code, p.message, field=p.column)
    return done


def sample_times(tube_ids: list[int]) -> dict[int, dt.datetime]:
    """The first sample time of each tube (the start of its turnaround)."""
    return dict(
        Sample.objects.filter(tube_id__in=tube_ids).values("tube_id").annotate(first=Min("sampled_at"))
        .values_list("tube_id", "first")
    )
