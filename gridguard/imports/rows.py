"""Row rules of the imports: plain functions from a row's cells to cleaned values or an ApplicationError.

They add to the ledger's own rules (``people.rules``) only what a spreadsheet does to data: numbers
typed into text columns, "year.month" birth dates, 政治面貌 instead of 是否党员.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError
from gridguard.core.identity import upgrade_legacy
from gridguard.core.normalize import clean_id_number, clean_phone, clean_text, validate_phone
from gridguard.people.rules import PersonData, clean_landlord_name, clean_person, parse_bool

_YEAR_MONTH = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*月?$")


def display(value: object) -> str:
    """A cell as the report shows it."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def politics_to_party(value: object) -> str:
    """政治面貌 → 是否党员: 中共党员/中共预备党员 are members; 群众, 共青团员, 民主党派 … are not."""
    text = clean_text(value)
    return "是" if "党员" in text and "非" not in text else "否"


def likely_id_number(value: object) -> str:
    """The number clean_person will store for this cell if it is valid (for looking up duplicates
    in the ledger before the rows are validated): normalised, 15-digit numbers upgraded."""
    if type(value) is str and len(value) == 18 and (value.isdigit() or (value[:17].isdigit() and value[17] == "X")):
        return value  # already what clean_id_number returns (the common case, kept fast)
    number = clean_id_number(value)
    if len(number) == 15 and number.isdigit():
        return upgrade_legacy(number)
    return number


def validate_person_row(data: dict[str, Any], *, today: dt.date) -> PersonData:
    """One person's cells (keys as clean_person's) → cleaned values, or ApplicationError naming the field.

    Adds to clean_person what only a spreadsheet does: a birth "year.month" (出生年月) next to an
    identity number, and a birth date typed as a number (19800101).
    """
    birth = data.get("birth_date")
    year_month = None
    if birth is not None and birth != "":
        if isinstance(birth, float):
            if birth.is_integer():
                data["birth_date"] = str(int(birth))
            elif data.get("id_number"):
                data["birth_date"] = None  # 1980.1 read as a number: the id number says it exactly
        elif isinstance(birth, str):
            if len(birth) == 10 and birth[4] == "-" and birth[7] == "-":
                try:  # the common ISO form, read fast; clean_person still checks the date
                    data["birth_date"] = dt.date.fromisoformat(birth)
                except ValueError:
                    pass
                birth = data["birth_date"]
            match = _YEAR_MONTH.match(clean_text(birth)) if isinstance(birth, str) else None
            if match:
                if not data.get("id_number"):
                    raise ApplicationError(
                        "birth_incomplete",
                        _("出生日期“{value}”不完整，请填写年月日（如 1980-01-31）").format(value=birth),
                        field="birth_date",
                    )
                year_month = (int(match.group(1)), int(match.group(2)))
                data["birth_date"] = None
    person = clean_person(data, today=today)
    if year_month and person.birth_date and (person.birth_date.year, person.birth_date.month) != year_month:
        raise ApplicationError("birth_mismatch", _("出生年月与身份证号不符"), field="birth_date")
    return person


@dataclass(slots=True)
class HouseholdCells:
    is_rental: bool = False
    landlord_name: str = ""
    landlord_phone: str = ""


def validate_household_cells(row: Sequence[Any], cols: dict[str, int]) -> HouseholdCells | None:
    """The household columns of a row (是否出租, 房东姓名, 房东电话); None when the row fills none."""
    rental_i, name_i, phone_i = cols.get("is_rental"), cols.get("landlord_name"), cols.get("landlord_phone")
    rental = row[rental_i] if rental_i is not None else ""
    name = row[name_i] if name_i is not None else ""
    phone = row[phone_i] if phone_i is not None else ""
    if rental == "" and name == "" and phone == "":
        return None
    cells = HouseholdCells()
    cells.is_rental = parse_bool(rental, "is_rental", "是否出租")
    cells.landlord_name = clean_landlord_name(name)
    try:
        cells.landlord_phone = validate_phone(clean_phone(phone))
    except ApplicationError as exc:
        raise ApplicationError(exc.code, _("房东{message}").format(message=exc.message), field="landlord_phone") from None
    if cells.landlord_name or cells.landlord_phone:
        cells.is_rental = True
    return cells
