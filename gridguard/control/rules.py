"""The rules of key-person control as plain functions of plain values (no database).

Times: check slots are local wall-clock times in settings.TIME_ZONE (Asia/Shanghai by default);
a slot "18:00-24:00" ends at the next midnight; the last slot of a day may cross midnight
("20:00-08:00" ends at 08:00 the next morning, and a check at 03:00 counts for it, on the day it
began). Every function that needs "now" takes it as an
aware datetime, so tests can stand at any instant (e.g. 16:05 UTC, which is 00:05 in Shanghai)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridguard.core.errors import ApplicationError, FieldErrors, each_error
from gridguard.core.identity import ID_TYPE_OTHER, ID_TYPE_PASSPORT, ID_TYPE_RESIDENT
from gridguard.core.normalize import refuse_formula

MIN_TEMPERATURE = Decimal("34.0")
MAX_TEMPERATURE = Decimal("43.0")
FEVER_AT = Decimal("37.3")

_SLOT = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_date(at: dt.datetime) -> dt.date:
    return at.astimezone(local_tz()).date()


DAY = 24 * 60


@dataclass(frozen=True)
class Slot:
    index: int
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight of the day the slot begins: past 24 * 60 across midnight

    @property
    def crosses_midnight(self) -> bool:
        return self.end > DAY

    @property
    def label(self) -> str:
        end = self.end - DAY if self.crosses_midnight else self.end
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{end // 60:02d}:{end % 60:02d}"

    def starts_at(self, day: dt.date) -> dt.datetime:
        return _at_minutes(day, self.start)

    def ends_at(self, day: dt.date) -> dt.datetime:
        return _at_minutes(day, self.end)


def _at_minutes(day: dt.date, minutes: int) -> dt.datetime:
    """The aware instant ``minutes`` after local midnight of ``day`` (24:00 = next midnight)."""
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=local_tz())
    return (midnight + dt.timedelta(minutes=minutes)).astimezone(local_tz())


def parse_slots(text: str) -> list[Slot]:
    """'06:00-12:00,12:00-20:00' → slots in order; the last may cross midnight ('20:00-08:00').
    Raises ApplicationError naming the bad part."""
    slots: list[Slot] = []
    for index, part in enumerate(p.strip() for p in (text or "").split(",") if p.strip()):
        match = _SLOT.match(part)
        if not match:
            raise ApplicationError(
                "bad_slot", _("检测时段格式应为 06:00-12:00：{part}").format(part=part), field="check_slots"
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end < start:  # across midnight: ends the next morning
            end += DAY
        if (
            start >= end
            or start >= DAY
            or h2 * 60 + m2 > DAY  # "24:30" is no time of day
            or (slots and (start < slots[-1].end or slots[-1].crosses_midnight))
            or (end > DAY and slots and end - DAY > slots[0].start)  # runs into the next day's first
        ):
            raise ApplicationError(
                "bad_slot",
                _("检测时段须按时间先后且不重叠（跨午夜的时段放在最后）：{part}").format(part=part),
                field="check_slots",
            )
        slots.append(Slot(index, start, end))
    return slots


def slot_of(at: dt.datetime, slots: list[Slot]) -> tuple[dt.date, int]:
    """The (local date, slot index) a check taken at ``at`` counts for: the slot it falls in (a
    slot across midnight counts on the day it began); before the first slot or between two, the
    next one; after the last one, the last one (a late check)."""
    local = at.astimezone(local_tz())
    minutes = local.hour * 60 + local.minute
    if slots and slots[-1].crosses_midnight and minutes < slots[-1].end - DAY:
        return local.date() - dt.timedelta(days=1), slots[-1].index
    for slot in slots:
        if minutes < slot.end:
            return local.date(), slot.index
    return local.date(), slots[-1].index if slots else 0


def ended_slots(now: dt.datetime, slots: list[Slot], *, days_back: int = 1) -> list[tuple[dt.date, Slot]]:
    """Slots of the last ``days_back`` local days and today whose end has passed at ``now``."""
    today = local_date(now)
    out: list[tuple[dt.date, Slot]] = []
    for back in range(days_back, -1, -1):
        day = today - dt.timedelta(days=back)
        out.extend((day, slot) for slot in slots if slot.ends_at(day) <= now)
    return out


def day_slots(now: dt.datetime, slots: list[Slot]) -> list[tuple[dt.date, Slot]]:
    """The slots a team works through on the local day of ``now``: last night's slot across
    midnight while it still runs, then the day's own."""
    today = local_date(now)
    yesterday = today - dt.timedelta(days=1)
    out = [(yesterday, s) for s in slots if s.crosses_midnight and s.ends_at(yesterday) > now]
    return out + [(today, s) for s in slots]


def stage_end(start: dt.date, days: int) -> dt.date:
    """Day 1 is the start date: 14 days from 1 March end on 14 March."""
    return start + dt.timedelta(days=days - 1)


def day_no(start: dt.date, today: dt.date) -> int:
    return (today - start).days + 1


def test_dates(start: dt.date, days: int, test_days: list[int]) -> list[tuple[int, dt.date]]:
    """(day number, date) of each scheduled test within the stage; 0 or a day past the end means
    the last day."""
    out: dict[int, dt.date] = {}
    for raw in test_days:
        n = int(raw)
        n = days if n <= 0 or n > days else n
        out[n] = start + dt.timedelta(days=n - 1)
    return sorted(out.items())


MAX_POLICY_DAYS = 90
_DAY_SEP = re.compile(r"[\s,，、;；]+")


def parse_test_days(value: object, days: int | None) -> list[int]:
    """Test days as typed ("1, 4, 7", "1，4、7", "[1, 4, 7]") or a list → sorted day numbers, each
    within 1..``days`` (``days`` None: not checked against the stage's length)."""
    if isinstance(value, list | tuple):
        parts = [str(v).strip() for v in value]
    else:
        parts = _DAY_SEP.split(str(value or "").strip().strip("[]"))
    numbers: set[int] = set()
    for part in (p for p in parts if p):
        if not part.isdigit():
            raise ApplicationError(
                "bad_test_days",
                _("核酸检测日须为天数，用逗号分隔，如 1, 4, 7：{part}").format(part=part[:20]),
                field="test_days",
            )
        n = int(part)
        if n < 1 or (days is not None and n > days):
            raise ApplicationError(
                "bad_test_days",
                _("核酸检测日须在第 1 天到第 {days} 天之间：{n}").format(days=days or MAX_POLICY_DAYS, n=n),
                field="test_days",
            )
        numbers.add(n)
    return sorted(numbers)


def clean_policy(*, days: object, check_slots: object, test_days: object) -> tuple[int, str, list[int]]:
    """A policy's days, check slots and test days, checked together: raises FieldErrors naming every
    wrong field. Slots are written back in their canonical form ("8:00" is refused, not guessed)."""
    check = FieldCheck()
    text = str(days if days is not None else "").strip()
    n = int(text) if text.isdigit() else None
    if n is not None and not 1 <= n <= MAX_POLICY_DAYS:
        n = None
    if n is None:
        check.fail(
            "bad_days", _("天数须为 1 到 {n} 之间的整数：{v}").format(n=MAX_POLICY_DAYS, v=text[:10]), "days"
        )
    slots_text = str(check_slots or "").replace("，", ",").replace(" ", "")
    slots = check(parse_slots, slots_text)
    if slots is not None and not slots:
        check.fail("slots_required", _("请填写每日检测时段，如 06:00-12:00,12:00-20:00"), "check_slots")
    tests = check(parse_test_days, test_days, n)
    check.raise_any()
    return n or 0, ",".join(s.label for s in slots or []), tests or []


def clean_temperature(value: object) -> Decimal:
    try:
        temperature = Decimal(str(value).strip().replace("℃", "").replace("°C", "")).quantize(Decimal("0.1"))
        if not temperature.is_finite():  # "nan" quantizes quietly, then fails the range comparison
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ApplicationError("bad_temperature", _("体温须为数字，如 36.5"), field="temperature") from None
    if not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
        raise ApplicationError(
            "bad_temperature",
            _("体温 {t} ℃ 不在 {lo}–{hi} ℃ 之间，请复测").format(
                t=temperature, lo=MIN_TEMPERATURE, hi=MAX_TEMPERATURE
            ),
            field="temperature",
        )
    return temperature


def is_fever(temperature: Decimal) -> bool:
    return temperature >= FEVER_AT


def team_missing(counts: dict[str, int], needs: dict[str, int], labels: dict[str, str]) -> list[str]:
    """What a three-to-one team still lacks, e.g. ['村（社区）干部 还差 1 人']."""
    return [
        _("{role} 还差 {n} 人").format(role=labels[role], n=need - counts.get(role, 0))
        for role, need in needs.items()
        if counts.get(role, 0) < need
    ]


def release_blockers(
    *,
    today: dt.date,
    stage_end: dt.date,
    tests: list[tuple[int, dt.date, str, str]],
    open_alerts: list[str],
) -> list[str]:
    """Why an order (or its current stage) cannot be released yet; empty when it can.
    ``tests``: (day number, date, result code, result label) of the stage's scheduled tests;
    ``open_alerts``: labels of unresolved alerts.

    The last day counts once the stage's last scheduled test is negative (a close contact's day 10
    ends with its test: released that day, not the next). A stage without tests ends when its last
    day is over."""
    reasons = []
    live = [t for t in tests if t[2] != "cancelled"]
    last = max(live, key=lambda t: (t[1], t[0])) if live else None
    last_day_done = today == stage_end and last is not None and last[2] == "negative"
    if today <= stage_end and not last_day_done:
        if last is not None:
            reasons.append(
                _("管控期未满：{end} 为最后一天，当天最后一次核酸检测（第 {n} 天）阴性后方可解除").format(
                    end=stage_end.isoformat(), n=last[0]
                )
            )
        else:
            reasons.append(
                _("管控期未满：{end} 为最后一天，{first} 起方可解除").format(
                    end=stage_end.isoformat(), first=(stage_end + dt.timedelta(days=1)).isoformat()
                )
            )
    for n, date, result, label in tests:
        if result == "cancelled":
            continue
        if result != "negative":
            reasons.append(
                _("第 {n} 天（{date}）核酸检测：{label}").format(n=n, date=date.isoformat(), label=label)
            )
    for label in open_alerts:
        reasons.append(_("未处置的预警：{label}").format(label=label))
    return reasons


ARRIVAL_MAX_AGE_DAYS = 60
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")  # passports and other documents, after clean_id_number




class FieldCheck:
    """Runs checks and keeps every field's first error, so a form names all its mistakes at once."""

    def __init__(self) -> None:
        self.errors: list[ApplicationError] = []

    def __call__(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except ApplicationError as exc:
            self.errors.extend(each_error(exc))
            return None

    def fail(self, code: str, message: str, field: str) -> None:
        self.errors.append(ApplicationError(code, message, field=field))

    def raise_any(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


def clean_arrival(data: dict, *, today: dt.date) -> dict:
    """The public arrival form's fields, normalised. Raises FieldErrors naming every wrong field."""
    from gridguard.core.identity import read_id_number
    from gridguard.core.normalize import clean_id_number, clean_name, clean_phone, clean_text, validate_phone
    from gridguard.people.rules import parse_date

    check = FieldCheck()
    name = clean_name(data.get("name"))
    if not name:
        check.fail("name_required", _("请填写姓名"), "name")
    elif len(name) > 60:
        check.fail("name_too_long", _("姓名不能超过 60 个字"), "name")
    else:
        check(refuse_formula, name, "name", _("姓名"))
    id_type = str(data.get("id_type") or ID_TYPE_RESIDENT)
    if id_type not in (ID_TYPE_RESIDENT, ID_TYPE_PASSPORT, ID_TYPE_OTHER):
        check.fail("id_type_unknown", _("请选择证件类型"), "id_type")
    raw_id = clean_id_number(data.get("id_number"))
    id_number = raw_id
    if not raw_id:
        check.fail("id_required", _("请填写证件号码"), "id_number")
    elif id_type == ID_TYPE_RESIDENT:
        read = check(read_id_number, raw_id)
        id_number = read[0] if read else raw_id
    elif not _DOCUMENT_NUMBER.match(raw_id):
        check.fail(
            "document_invalid",
            _("证件号码“{value}”不正确：护照等证件号码为 5 到 20 位字母和数字").format(value=raw_id[:40]),
            "id_number",
        )
    phone = clean_phone(data.get("phone"))
    if not phone:
        check.fail("phone_required", _("请填写联系电话"), "phone")
    else:
        check(validate_phone, phone)
    from_place = clean_text(data.get("from_place"))
    if not from_place:
        check.fail("from_required", _("请填写从何处来（省市县）"), "from_place")
    else:
        check(refuse_formula, from_place, "from_place", _("从何处来"))
    arrival = check(parse_date, data.get("arrival_date"), "arrival_date", gettext_noop("抵达日期"))
    if arrival is None:
        if not any(e.field == "arrival_date" for e in check.errors):
            check.fail("arrival_required", _("请填写抵达日期"), "arrival_date")
    elif arrival > today:
        check.fail(
            "arrival_future",
            _("抵达日期 {date} 晚于今天").format(date=arrival.isoformat()),
            "arrival_date",
        )
    elif arrival < today - dt.timedelta(days=ARRIVAL_MAX_AGE_DAYS):
        check.fail(
            "arrival_too_old",
            _("抵达日期 {date} 已超过 {n} 天，无需报备").format(date=arrival.isoformat(), n=ARRIVAL_MAX_AGE_DAYS),
            "arrival_date",
        )
    address = clean_text(data.get("address"))
    if not address:
        check.fail("address_required", _("请填写本地住址（小区、楼栋、房号）"), "address")
    else:
        check(refuse_formula, address, "address", _("本地住址"))
    transport = clean_text(data.get("transport"))
    check(refuse_formula, transport, "transport", _("交通方式"))
    note = clean_text(data.get("note"))
    check(refuse_formula, note, "note", _("备注"))
    check.raise_any()
    return {
        "name": name,
        "id_type": id_type,
        "id_number": id_number,
        "phone": phone,
        "from_place": from_place[:100],
        "arrival_date": arrival,
        "address": address[:200],
        "transport": transport[:60],
        "note": note[:200],
    }


class AddressParts(NamedTuple):
    compound: str  # a compound's name as the tree has it, "" when none is named
    building: str  # its number ("3" for 3栋, 3号楼, 三栋)
    unit: str  # "1" for 1单元
    room: str  # "1201"


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_NUM = r"(\d+|[一二三四五六七八九十]{1,3})"
_BUILDING_RE = re.compile(r"第?" + _NUM + r"(?:号楼|号院|号|栋|幢|座|楼)")
_UNIT_RE = re.compile(r"第?" + _NUM + r"单元")
_ROOM_RE = re.compile(r"^(\d{1,5}[A-Za-z]?)(?:室|号|房|户)?")
_DASHED_RE = re.compile(r"(\d+)-(\d+)(?:-(\d+))?")


def _number(text: str) -> str:
    """"3", "03", "三", "十二" → "3", "3", "3", "12"."""
    if text.isdigit():
        return text.lstrip("0") or "0"
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return str((_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0))
    return str(_CN_DIGITS.get(text, 0))


def parse_address(text: str, compounds: list[str] | tuple[str, ...] = ()) -> AddressParts:
    """The compound, building, unit and room a typed address names: "建设小区3栋1单元1201",
    "建设小区 3-1-1201", "1号楼 502". ``compounds``: the compound names the tree knows (the longest
    one the text contains is taken). Parts the text does not name are ""."""
    from gridguard.core.normalize import clean_text

    flat = clean_text(text).replace(" ", "")
    compound, rest = "", flat
    for name in sorted({c.replace(" ", "") for c in compounds if c}, key=len, reverse=True):
        at = flat.find(name)
        if at >= 0:
            compound, rest = name, flat[at + len(name):]
            break
    building = unit = room = ""
    dashed = _DASHED_RE.search(rest)
    found = _BUILDING_RE.search(rest)
    if dashed and (found is None or dashed.start() < found.start()):
        building = _number(dashed.group(1))
        if dashed.group(3):
            unit, room = _number(dashed.group(2)), dashed.group(3)
        else:
            room = dashed.group(2)
        return AddressParts(compound, building, unit, room)
    after = 0
    if found:
        building, after = _number(found.group(1)), found.end()
    unit_found = _UNIT_RE.search(rest, after)
    if unit_found:
        unit, after = _number(unit_found.group(1)), unit_found.end()
    if building or unit:
        room_found = _ROOM_RE.match(rest[after:])
        room = room_found.group(1) if room_found else ""
    return AddressParts(compound, building, unit, room)


def symptom_bits(symptoms: Any) -> int:
    """Symptom codes (ints or their text) → the bits of HealthCheck.symptoms."""
    from gridguard.control.models import Symptom

    bits = 0
    for value in symptoms or ():
        try:
            bits |= Symptom(int(value)).value
        except (TypeError, ValueError):
            raise ApplicationError(
                "bad_symptom", _("未知症状“{v}”").format(v=str(value)[:20]), field="symptoms"
            ) from None
    return bits


def clean_check(temperature: object, symptoms: Any) -> tuple[Decimal, int]:
    """A health check's temperature and symptoms; raises FieldErrors naming each wrong one."""
    check = FieldCheck()
    value = check(clean_temperature, temperature)
    bits = check(symptom_bits, symptoms)
    check.raise_any()
    return value, bits


NEED_MAX = 300


def clean_need(kind: object, detail: object) -> tuple[str, str]:
    """A need's kind and text; raises FieldErrors naming each wrong one."""
    from gridguard.control.models import NeedKind

    check = FieldCheck()
    if kind not in NeedKind.values:
        check.fail("bad_choice", _("请选择需求类型"), "kind")
    text = str(detail or "").strip()
    if not text:
        check.fail("detail_required", _("请填写需求内容"), "detail")
    elif len(text) > NEED_MAX:
        check.fail("detail_too_long", _("需求内容不能超过 300 字"), "detail")
    else:
        check(refuse_formula, text, "detail", _("需求内容"))
    check.raise_any()
    return str(kind), text


# --- key persons known by document number (by hand, or on a list) -----------------------------


def require_document(id_number: str) -> None:
    """A key person is named by a document number, to be sure of who is meant."""
    if not id_number:
        raise ApplicationError(
            "id_required", _("请填写证件号码（身份证号或护照号），用于核对本人"), field="id_number"
        )


def check_same_person(ledger_name: str, name: str) -> None:
    """The ledger's person with that document number must carry the name given."""
    if ledger_name != name:
        raise ApplicationError(
            "name_mismatch",
            _("姓名与台账中该证件号码的人员（{name}）不一致，请核对").format(name=ledger_name),
            field="name",
        )


# --- the lists higher levels push down (协查名单) ------------------------------------------------

# Words a list uses for a category, after clean_text and with spaces removed. Checked in order:
# the first word contained in the cell wins, so "次密接" is tested before "密接".
CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("次密", "secondary_contact"),
    ("密接", "close_contact"),
    ("密切接触", "close_contact"),
    ("高风险", "high_risk_arrival"),
    ("中风险", "medium_risk_arrival"),
    ("入境", "inbound"),
    ("境外", "inbound"),
    ("发热", "fever"),
    ("红码", "code"),
    ("黄码", "code"),
    ("红黄码", "code"),
    ("初筛阳性", "screen_positive"),
    ("阳性", "screen_positive"),
    ("其他", "other"),
    ("其它", "other"),
)
MEASURE_WORDS: tuple[tuple[str, str], ...] = (
    ("集中", "central"),
    ("居家隔离", "home"),
    ("居家医学观察", "home"),
    ("居家健康监测", "home_monitoring"),
    ("居家监测", "home_monitoring"),
    ("日常健康监测", "daily_monitoring"),
    ("日常监测", "daily_monitoring"),
    ("健康监测", "home_monitoring"),
)
# The measure a category gets when the list does not say (the national plan's, 9th edition).
DEFAULT_MEASURE = {
    "close_contact": "central",
    "secondary_contact": "home",
    "high_risk_arrival": "central",
    "medium_risk_arrival": "home",
    "inbound": "central",
    "fever": "home_monitoring",
    "code": "home_monitoring",
    "screen_positive": "central",
    "other": "daily_monitoring",
}


def _choice_from_words(
    value: object, words: tuple[tuple[str, str], ...], choices: Any, code: str, label: str, field: str
) -> str | None:
    """A cell → one of ``choices`` (its code, its label, or a word a list uses); None when empty;
    raises ApplicationError naming the field and the choices when the cell is not understood."""
    from gridguard.core.normalize import clean_text

    text = clean_text(value).replace(" ", "")
    if not text:
        return None
    for choice in choices:
        if text in (choice.value, str(choice.label)):
            return str(choice.value)
    for word, found in words:
        if word in text:
            return found
    raise ApplicationError(
        code,
        _("{label}“{value}”无法识别，请填写：{choices}").format(
            label=label, value=value, choices="、".join(str(c.label) for c in choices)
        ),
        field=field,
    )


def parse_category(value: object) -> str | None:
    """A list's 人员类别 cell → a category code; None when empty; raises when not understood."""
    from gridguard.control.models import Category

    return _choice_from_words(value, CATEGORY_WORDS, Category, "category_unknown", _("人员类别"), "category")


def parse_measure(value: object) -> str | None:
    """A list's 管控措施 cell → a measure code; None when empty; raises when not understood."""
    from gridguard.control.models import Measure

    return _choice_from_words(value, MEASURE_WORDS, Measure, "measure_unknown", _("管控措施"), "measure")
