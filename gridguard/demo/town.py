"""The demo town's foundation: a realistic town (城关镇) of nine communities and villages (seed 000), generated
deterministically — the same seed gives the same tree, households, persons, places and staff.

Town and communities are created through ``grids.services.node_create``; everything below them
(grids, micro-grids, compounds/natural villages, buildings, units) is computed here and written
set-based with treebeard-compatible paths (steplen 4, alphabet 0-9A-Z, correct depth/numchild),
because a 10M-person town has hundreds of thousands of nodes. Households and persons are written
with ``core.bulk.allocate_ids`` + ``insert_rows``, ~50k persons per transaction.

Layout of a community (社区): grid (300–500 households) → micro-grid (~50) → compound (小区) →
building (楼栋) → unit (单元) → household with a room ("301"). A village (村): grid → micro-grid
(村民小组) → natural village (自然村) → household with a house number ("12号").
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from random import Random

from django.db import connection, models, transaction
from django.utils import timezone

from gridguard.core.bulk import allocate_ids, db_datetime, insert_rows
from gridguard.core.errors import ApplicationError
from gridguard.core.identity import ID_TYPE_RESIDENT
from gridguard.core.pinyin import initials, person_initials

TOWN_NAME = "城关镇"
TOWN_CODE = "CG"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-demo-2024"  # noqa: S105 - documented demo login
DEMO_PASSWORD = "gridguard-demo-2024"  # noqa: S105 - documented demo login, printed by the command
DEFAULT_PERSONS = 20_000
DEFAULT_SEED = 2020
BATCH_PERSONS = 50_000
BIG_LOAD = 1_000_000  # from this many persons on, the random-order person indexes are built after the load

# (name, short name for grids, pinyin login, urban?, share of the population)
COMMUNITIES: list[tuple[str, str, str, bool, float]] = [
    ("东城社区", "东城", "dongcheng", True, 1.15),
    ("西城社区", "西城", "xicheng", True, 1.10),
    ("南关社区", "南关", "nanguan", True, 1.05),
    ("北街社区", "北街", "beijie", True, 1.05),
    ("城中社区", "城中", "chengzhong", True, 1.00),
    ("河东村", "河东", "hedong", False, 0.95),
    ("柳树村", "柳树", "liushu", False, 0.95),
    ("王家湾村", "王家湾", "wangjiawan", False, 0.90),
    ("石桥村", "石桥", "shiqiao", False, 0.85),
]

# Person indexes whose keys arrive in random order (built after a big load); the path index
# and the household FK index grow in insertion order and stay.
DEFERRED_PERSON_INDEXES = ("person_idno_idx", "person_phone_idx", "person_name_id_idx", "person_initials_id_idx")


class DemoRefused(ApplicationError):
    pass


# --- name and place tables --------------------------------------------------------------------

_SURNAMES = (
    "王7.25 李7.19 张6.83 刘5.38 陈4.53 杨3.08 黄2.23 赵2.19 吴2.05 周1.93 徐1.45 孙1.38 马1.29 朱1.28 "
    "胡1.27 郭1.15 何1.14 林1.13 高1.08 罗1.00 郑.95 梁.90 谢.83 宋.74 唐.73 许.66 韩.64 冯.64 邓.63 "
    "曹.62 彭.59 曾.56 肖.55 田.53 董.52 袁.51 潘.50 于.49 蒋.48 蔡.47 余.46 杜.45 叶.44 程.43 苏.42 "
    "魏.41 吕.40 丁.39 任.38 沈.37 姚.36 卢.35 姜.34 崔.33 钟.32 谭.31 陆.30 汪.29 范.28 金.27 石.26 "
    "廖.25 贾.24 夏.23 韦.22 付.21 方.20 白.20 邹.19 孟.19 熊.18 秦.18 邱.17 江.17 尹.16 薛.16 闫.15 "
    "段.15 雷.14 侯.14 龙.13 史.13 陶.12 黎.12 贺.12 顾.11 毛.11 郝.10 龚.10 邵.10 万.09 钱.09 严.09 "
    "覃.08 武.08 戴.08 欧阳.03 司马.01 诸葛.01"
)

# Given-name characters by birth era (≤1965, 1966–1990, 1991–) and sex: first, second.
_GIVEN = {
    (0, "M"): ("建国志德永文卫红长春福金玉树炳保振洪忠正", "国华明强军民生林平山成荣发祥才胜庆清贵海"),
    (0, "F"): ("秀桂玉淑凤翠金春美兰素惠月冬爱丽巧彩银菊", "英兰珍芳华梅花莲琴云香娥霞凤荣芬仙菊秀娟"),
    (1, "M"): ("海志俊建晓小伟立宏新文永振家明勇春国旭军", "伟军涛斌勇峰波辉刚明杰亮磊鹏东华超平宇飞"),
    (1, "F"): ("丽静晓艳海春红小美雪玉燕慧秀亚晶彩丹颖淑", "丽娟敏静燕艳红霞芳玲萍丹梅琳莉婷洁琴颖华"),
    (2, "M"): ("子浩宇俊梓一嘉博皓思天明铭泽文睿晨奕佳景", "轩然涵宇豪杰泽辰航阳博睿晨熙诚鑫瑞凯哲旭"),
    (2, "F"): ("子欣梓雨可诗佳一思梦若语紫馨依晨芷雅婉悦", "涵怡萱琪妍彤欣琳瑶雯婷诺菲萌然宁悦晴璇倩"),
}

_COMPOUNDS = (
    "幸福小区 阳光花园 锦绣家园 金桥小区 康乐小区 滨河花园 和平小区 书香苑 世纪城 翠湖苑 丽景湾 怡景苑 "
    "紫荆花园 新华小区 建设小区 供电小区 教育小区 电力小区 水利家属院 实验小区 桂花园 龙湖苑 状元府 "
    "东方名城 江南春 御景华府 凤凰城 锦华苑 银河小区 文化小区 人民小区 育才小区 税务小区 粮食小区 "
    "邮电小区 商贸城 富康花园 明珠花园 绿洲花园 清华园 春晖园 兴隆小区 百花苑 香樟园 中央公园"
).split()
_NATURAL_VILLAGES = (
    "张家湾 李家塆 王家岭 刘家冲 陈家台 杨树湾 石桥头 新屋 老屋场 大塘 桥头 上湾 下湾 油坊 枫树岭 "
    "竹林湾 黄土坡 河边 岭上 塘角 瓦屋 庙湾 茶园 松树岗 田畈 汪家畈 周家垸 余家山 罗家寨 徐家坳 "
    "何家嘴 胡家河 柳林 高屋 郑家铺 杨家店 吴家楼 沙河 小河口 凉亭"
).split()

_LOCAL_REGIONS = ("421123", "421122", "421124", "421102", "421181")  # the county and its neighbours
_LOCAL_WEIGHTS = (70, 8, 8, 9, 5)
_OTHER_REGIONS = (
    "420106", "420111", "421002", "420502", "411503", "341502", "360403", "430602", "510104",
    "500101", "440304", "320102", "370102", "410105", "610113", "522601", "450103", "350203",
)
_MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "170 171 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
).split()

_EMPLOYERS_GENERAL = (
    "个体经营", "灵活就业", "城关镇人民政府", "县人民医院", "城关镇中心小学", "县供电公司", "县农商银行",
    "县中医院", "城关镇卫生院", "县邮政分公司", "县自来水公司", "城关中学", "县公安局", "县移动公司",
)
_EMPLOYERS_VILLAGE = ("务农", "务农", "务农", "个体经营", "灵活就业", "村委会")

_ORG_WORDS = "宏达 鑫源 华丰 恒泰 永兴 金盛 兴旺 佳美 新世纪 东方 顺发 安康 福源 盛达 天和 利民 众鑫 和顺 瑞丰 长青".split()
_INDUSTRIES = "纺织 建材 食品 机械 电子 服装 物流 农业科技 木业 塑业 茶业 汽车维修 印刷 包装".split()
_SHOPS = "便利店 五金店 服装店 理发店 手机店 水果店 粮油店 烟酒店 建材店 家电店 母婴店 眼镜店 花店 照相馆 面包店".split()
_FOODS = "面馆 饺子馆 火锅店 烧烤店 小吃店 快餐店 土菜馆 早餐店".split()
_GOV = "派出所 财政所 司法所 供电所 邮政所 农技站 国土所 文化站".split()
# kind, weight, key-place probability
_ORG_KINDS = (
    ("shop", 33, 0.0), ("restaurant", 15, 0.3), ("enterprise", 12, 0.1), ("supermarket", 6, 1.0),
    ("pharmacy", 5, 1.0), ("clinic", 4, 1.0), ("hotel", 3, 1.0), ("school", 3, 1.0), ("nursing_home", 1, 1.0),
    ("market", 1, 1.0), ("construction", 2, 0.5), ("government", 3, 0.0), ("religious", 1, 1.0),
    ("other", 11, 0.05),
)


def _weighted_table(items: list[tuple[str, float]], size: int = 2000) -> list[str]:
    total = sum(w for _, w in items)
    table: list[str] = []
    for value, weight in items:
        table.extend([value] * max(1, round(weight / total * size)))
    return table


def _surname_items() -> list[tuple[str, float]]:
    items = []
    for token in _SURNAMES.split():
        i = 0
        while not (token[i].isdigit() or token[i] == "."):
            i += 1
        items.append((token[:i], float(token[i:])))
    return items


# --- results ----------------------------------------------------------------------------------


@dataclass
class Login:
    username: str
    password: str
    role: str
    node: str
    full_name: str
    created: bool = True


@dataclass
class DemoResult:
    seed: int
    persons: int = 0
    households: int = 0
    nodes: int = 0
    grids: int = 0
    buildings: int = 0
    organizations: int = 0
    staff: int = 0
    logins: list[Login] = field(default_factory=list)
    seconds: float = 0.0
    person_seconds: float = 0.0
    index_seconds: float = 0.0
    deferred_indexes: bool = False

    @property
    def persons_per_second(self) -> float:
        return self.persons / self.person_seconds if self.person_seconds else 0.0


# --- identity numbers -------------------------------------------------------------------------

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class _IdMaker:
    """make_id_number without per-call work: weighted sums of the region and date parts are
    cached, and (region, birth date, sex) keeps a counter so every number is unique."""

    def __init__(self) -> None:
        self._region_sum: dict[str, int] = {}
        self._date: dict[int, tuple[str, str, int]] = {}
        self._first = 0
        self._dates: list[tuple[str, str, int]] = []
        self._counter: dict[tuple[str, int, int], int] = {}
        self._seq = [(f"{s:03d}", _W[14] * (s // 100) + _W[15] * (s // 10 % 10) + _W[16] * (s % 10))
                     for s in range(1000)]

    def prepare(self, first: int, last: int) -> None:
        """Tabulate the dates of [first, last] at once (faster than a cache miss per date)."""
        self._first = first
        self._dates = []
        day = dt.date.fromordinal(first)
        one = dt.timedelta(days=1)
        w = _W[6:14]
        for _ in range(first, last + 1):
            iso = day.isoformat()
            ymd = iso.replace("-", "")
            self._dates.append((iso, ymd, sum(x * (ord(c) - 48) for x, c in zip(w, ymd, strict=True))))
            day += one

    def date(self, ordinal: int) -> tuple[str, str, int]:
        k = ordinal - self._first
        if 0 <= k < len(self._dates):
            return self._dates[k]
        cached = self._date.get(ordinal)
        if cached is None:
            d = dt.date.fromordinal(ordinal)
            ymd = f"{d:%Y%m%d}"
            cached = (d.isoformat(), ymd, sum(w * (ord(c) - 48) for w, c in zip(_W[6:14], ymd, strict=True)))
            self._date[ordinal] = cached
        return cached

    def make(self, regions: tuple[str, ...], ordinal: int, male: bool) -> tuple[str, str] | None:
        """(id number, ISO birth date); tries the regions in order until one has a free sequence."""
        k = ordinal - self._first
        iso, ymd, date_sum = self._dates[k] if 0 <= k < len(self._dates) else self.date(ordinal)
        parity = 1 if male else 0
        for region in regions:
            key = (region, ordinal, parity)
            n = self._counter.get(key, 0)
            if n >= 500:
                continue
            self._counter[key] = n + 1
            rsum = self._region_sum.get(region)
            if rsum is None:
                rsum = sum(w * (ord(c) - 48) for w, c in zip(_W[:6], region, strict=True))
                self._region_sum[region] = rsum
            seq = 2 * ((n * 37 + ordinal * 7 + len(region) * 13) % 500) + parity
            seq_str, seq_sum = self._seq[seq]
            return region + ymd + seq_str + _CHECK[(rsum + date_sum + seq_sum) % 11], iso
        return None


# --- tree layout --------------------------------------------------------------------------------


@dataclass
class _Layout:
    """Nodes below one community (local index 0 is the community) and its household slots."""

    parent: list[int] = field(default_factory=lambda: [-1])
    name: list[str] = field(default_factory=lambda: [""])
    level: list[str] = field(default_factory=lambda: ["community"])
    code: list[str] = field(default_factory=lambda: [""])
    slots: list[tuple[int, str]] = field(default_factory=list)  # (leaf node, room)
    grids: list[int] = field(default_factory=list)
    micro_grids: list[int] = field(default_factory=list)
    buildings: list[int] = field(default_factory=list)

    def add(self, parent: int, name: str, level: str, code: str = "") -> int:
        self.parent.append(parent)
        self.name.append(name)
        self.level.append(level)
        self.code.append(code)
        return len(self.parent) - 1


def _urban_buildings(rng: Random) -> Iterator[tuple[str, str, list[tuple[str, list[str]]]]]:
    """Endless stream of (compound, building, [(unit, [rooms])]) with ~8% vacant rooms."""
    names = list(_COMPOUNDS)
    rng.shuffle(names)
    round_no = 0
    while True:
        for base in names:
            compound = base if round_no == 0 else f"{base}{'二三四五六七八九'[(round_no - 1) % 8]}期"
            for b in range(1, rng.randint(4, 24) + 1):
                if rng.random() < 0.6:
                    floors, units = rng.randint(5, 7), rng.randint(2, 3)
                else:
                    floors, units = rng.choice((11, 11, 15, 18)), rng.randint(1, 2)
                unit_rooms = []
                for u in range(1, units + 1):
                    rooms = [f"{f}{p:02d}" for f in range(1, floors + 1) for p in (1, 2) if rng.random() >= 0.08]
                    unit_rooms.append((f"{u}单元", rooms))
                yield compound, f"{b}栋", unit_rooms
        round_no += 1


def _layout_urban(rng: Random, short: str, c_no: int, households: int) -> _Layout:
    lay = _Layout()
    stream = _urban_buildings(rng)
    left = households
    grid_no = mg_no = 0
    while left > 0 or grid_no == 0:
        grid_no += 1
        grid = lay.add(0, f"{short}第{grid_no}网格", "grid", f"{TOWN_CODE}{c_no:02d}{grid_no:03d}")
        lay.grids.append(grid)
        g_target, g_count = rng.randint(300, 500), 0
        while g_count < g_target and left > 0:
            mg_no += 1
            mg = lay.add(grid, f"第{mg_no}微网格", "micro_grid")
            lay.micro_grids.append(mg)
            mg_target, mg_count = rng.randint(42, 58), 0
            compound_node, compound_name = -1, ""
            while mg_count < mg_target and left > 0:
                compound, building, units = next(stream)
                if compound != compound_name:
                    compound_node, compound_name = lay.add(mg, compound, "compound"), compound
                b_node = lay.add(compound_node, building, "building")
                lay.buildings.append(b_node)
                for unit, rooms in units:
                    if left <= 0:
                        break
                    u_node = lay.add(b_node, unit, "unit")
                    take = rooms[:left]
                    lay.slots.extend((u_node, room) for room in take)
                    left -= len(take)
                    mg_count += len(take)
            g_count += mg_count
    return lay


def _layout_village(rng: Random, short: str, c_no: int, households: int) -> _Layout:
    """Natural villages (自然村, 15–60 households, each wholly in one 村民小组, names unique in the
    village) with house numbers; a 村民小组 (micro-grid) takes whole natural villages."""
    lay = _Layout()
    villages = list(_NATURAL_VILLAGES)
    rng.shuffle(villages)
    v_index = -1
    left = households
    grid_no = group_no = 0
    while left > 0 or grid_no == 0:
        grid_no += 1
        grid = lay.add(0, f"{short}第{grid_no}网格", "grid", f"{TOWN_CODE}{c_no:02d}{grid_no:03d}")
        lay.grids.append(grid)
        g_target, g_count = rng.randint(300, 500), 0
        while g_count < g_target and left > 0:
            group_no += 1
            mg = lay.add(grid, f"第{group_no}村民小组", "micro_grid")
            lay.micro_grids.append(mg)
            mg_target, mg_count = rng.randint(40, 60), 0
            while mg_count < mg_target and left > 0:
                v_index += 1
                base = villages[v_index % len(villages)]
                rounds = v_index // len(villages)
                node = lay.add(mg, base if rounds == 0 else f"{base}{rounds + 1}组", "compound")
                take = min(rng.randint(15, 60), left)
                v_no = 0
                for _ in range(take):
                    v_no += 1 + (rng.random() < 0.05)  # a few numbers belong to empty houses
                    lay.slots.append((node, f"{v_no}号"))
                left -= take
                mg_count += take
            g_count += mg_count
    return lay


# --- household compositions ---------------------------------------------------------------------

# type codes: A single elderly, B elderly couple, C single adult, D couple, E couple + children,
# F three generations with the head's parents, G three generations under an old head,
# H single parent, R rental (tenants).
_COMP_URBAN = (("A", 6), ("B", 8), ("C", 7), ("D", 11), ("E", 38), ("F", 12), ("G", 8), ("H", 4), ("R", 10))
_COMP_VILLAGE = (("A", 8), ("B", 11), ("C", 4), ("D", 8), ("E", 30), ("F", 18), ("G", 16), ("H", 3), ("R", 2))


def _draw_composition(rng: Random, table: list[str]) -> tuple:
    kind = table[int(rng.random() * len(table))]
    r = rng.random()
    if kind == "E":
        return ("E", 1 if r < 0.55 else 2 if r < 0.93 else 3)
    if kind == "F":
        return ("F", rng.randint(0, 2), 1 if r < 0.45 else 2)
    if kind == "G":
        return ("G", 1 if r < 0.6 else 2, rng.random() < 0.25)
    if kind == "H":
        return ("H", 1 if r < 0.75 else 2)
    if kind == "R":
        return ("R", 1 if r < 0.35 else 2 if r < 0.7 else 3 if r < 0.9 else 4)
    return (kind,)


def _composition_size(comp: tuple) -> int:
    kind = comp[0]
    if kind in ("A", "C"):
        return 1
    if kind in ("B", "D"):
        return 2
    if kind == "E":
        return 2 + comp[1]
    if kind == "F":
        return 2 + comp[1] + comp[2]
    if kind == "G":
        return (1 if comp[2] else 2) + 2 + comp[1]
    if kind == "H":
        return 1 + comp[1]
    return comp[1]


# --- the generator ------------------------------------------------------------------------------


class _Ctx:
    """Everything the person loop needs, precomputed once."""

    def __init__(self, today: dt.date, bits: dict[str, int]):
        self.today_ord = today.toordinal()
        self.ids = _IdMaker()
        self.ids.prepare(self.today_ord - 110 * 366, self.today_ord)
        self.surnames = _weighted_table(_surname_items())
        self.ini: dict[str, str] = {}
        for s in set(self.surnames):
            self.ini[s] = person_initials(s)  # a surname: its surname reading (曾 zēng)
        self.given: dict[tuple[int, str], tuple[str, str]] = {}
        for key, (first, second) in _GIVEN.items():
            self.given[key] = (first, second)
            for ch in first + second:
                self.ini[ch] = initials(ch)
        self.local_regions = _weighted_table(list(zip(_LOCAL_REGIONS, _LOCAL_WEIGHTS, strict=True)), 100)
        self.bit = {code: 1 << b for code, b in bits.items()}

    def region_order(self, first: str, local: bool) -> tuple[str, ...]:
        """The person's region first, then others of the same kind, then any (when a day is full)."""
        pool = _LOCAL_REGIONS if local else _OTHER_REGIONS
        return tuple(dict.fromkeys((first, *pool, *_OTHER_REGIONS, *_LOCAL_REGIONS)))


def _tag_bits() -> dict[str, int]:
    from gridguard.people.models import Tag

    bits = dict(Tag.objects.values_list("code", "bit"))
    needed = ("elderly_alone", "living_alone", "disabled", "low_income", "pregnant", "infant", "chronic",
              "bedridden", "age_4050", "correction", "veteran", "left_behind_child", "mental")
    missing = [c for c in needed if c not in bits]
    if missing:
        raise ApplicationError("tags_missing", f"缺少特殊人群标签：{', '.join(missing)}（请先运行 migrate）")
    return bits


PERSON_FIELDS = (
    "id", "household_id", "node_id", "node_path", "name", "name_initials", "id_type", "id_number", "sex",
    "birth_date", "phone", "relation", "residency", "tags", "is_party_member", "employer", "status", "note",
    "created_at", "created_by_id", "updated_at", "updated_by_id",
)
HOUSEHOLD_FIELDS = (
    "id", "node_id", "node_path", "room", "address", "head_id", "is_rental", "landlord_name", "landlord_phone",
    "is_active", "created_at", "created_by_id", "updated_at", "updated_by_id",
)
NODE_FIELDS = ("id", "path", "depth", "numchild", "name", "level_id", "code", "note", "is_active", "created_at",
               "updated_at")


class _Generator:
    def __init__(self, *, persons: int, seed: int, actor_id: int | None, out: Callable[[str], None],
                 batch_persons: int):
        from gridguard.grids.models import Level

        self.total = persons
        self.seed = seed
        self.actor_id = actor_id
        self.out = out
        self.batch_persons = batch_persons
        self.now = timezone.now()
        self.now_db = db_datetime(self.now)
        self.today = timezone.localdate(self.now)
        self.levels = {lv.code: lv for lv in Level.objects.all()}
        self.ctx = _Ctx(self.today, _tag_bits())
        self.result = DemoResult(seed=seed)
        self.staff_rows: list[tuple] = []
        self.name_rng = Random(f"{seed}:staff")
        self.phone_rng = Random(f"{seed}:staff-phones")
        self.step_cache: dict[int, str] = {}
        self.c_info: dict[int, tuple[_Layout, list[int], list[str], list[str]]] = {}

    # names and phones for staff, landlords and contacts
    def any_name(self, rng: Random, sex: str | None = None, era: int = 1) -> tuple[str, str]:
        ctx = self.ctx
        s = ctx.surnames[int(rng.random() * len(ctx.surnames))]
        sex = sex or ("M" if rng.random() < 0.5 else "F")
        first, second = ctx.given[(era, sex)]
        if rng.random() < 0.2:
            g = second[int(rng.random() * len(second))]
        else:
            g = first[int(rng.random() * len(first))] + second[int(rng.random() * len(second))]
        return s + g, sex

    @staticmethod
    def phone(rng: Random) -> str:
        return _MOBILE_PREFIXES[int(rng.random() * len(_MOBILE_PREFIXES))] + f"{int(rng.random() * 1e8):08d}"

    def step(self, n: int) -> str:
        from gridguard.grids.models import GridNode

        s = self.step_cache.get(n)
        if s is None:
            key = GridNode._int2str(n)
            s = GridNode.alphabet[0] * (GridNode.steplen - len(key)) + key
            self.step_cache[n] = s
        return s

    # --- tree ---------------------------------------------------------------------------------

    def write_tree(self, community, lay: _Layout) -> tuple[list[int], list[str], list[str]]:
        """Insert the nodes of a layout; returns (ids, paths, address labels) by local index."""
        from gridguard.grids.models import GridNode, NodeEvent

        n = len(lay.parent)
        ids = [0] * n
        paths = [""] * n
        labels = [""] * n
        children = [0] * n
        ids[0], paths[0], labels[0] = community.pk, community.path, community.name
        for i in range(1, n):
            p = lay.parent[i]
            children[p] += 1
            paths[i] = paths[p] + self.step(children[p])
            labels[i] = labels[p] + " " + lay.name[i]
        level_ids = {code: lv.pk for code, lv in self.levels.items()}
        chunk = 50_000
        for start in range(1, n, chunk):
            stop = min(n, start + chunk)
            with transaction.atomic():
                new_ids = allocate_ids(GridNode, stop - start)
                for k, i in enumerate(range(start, stop)):
                    ids[i] = new_ids[k]
                now = self.now_db
                insert_rows(GridNode, NODE_FIELDS, (
                    (ids[i], paths[i], len(paths[i]) // 4, children[i], lay.name[i], level_ids[lay.level[i]],
                     lay.code[i], "", True, now, now)
                    for i in range(start, stop)
                ))
                insert_rows(NodeEvent, ("node_id", "kind", "detail", "at", "actor_id"), (
                    (ids[i], NodeEvent.Kind.CREATE.value, json.dumps({"name": lay.name[i]}, ensure_ascii=False),
                     now, self.actor_id)
                    for i in range(start, stop)
                ))
        GridNode.objects.filter(pk=community.pk).update(numchild=children[0])
        self.result.nodes += n - 1
        self.result.grids += len(lay.grids)
        self.result.buildings += len(lay.buildings)
        return ids, paths, labels

    # --- staff ----------------------------------------------------------------------------------

    def staff(self, node_id: int, path: str, label: str, duty: str, era: int = 1) -> None:
        name, _ = self.any_name(self.name_rng, era=era)
        self.staff_rows.append((node_id, path, label, duty, name, self.phone(self.phone_rng)))

    def plan_staff(self, c_no: int, lay: _Layout, ids: list[int], paths: list[str], labels: list[str],
                   urban: bool) -> None:
        rng = self.name_rng
        self.staff(ids[0], paths[0], labels[0], "head", era=1)
        for _ in range(rng.randint(3, 5)):
            self.staff(ids[0], paths[0], labels[0], "committee")
        self.staff(ids[0], paths[0], labels[0], "liaison_cadre")
        for _ in range(rng.randint(1, 2)):
            self.staff(ids[0], paths[0], labels[0], "medic")
        self.staff(ids[0], paths[0], labels[0], "police")
        for g in lay.grids:
            self.staff(ids[g], paths[g], labels[g], "grid_chief")
            for _ in range(rng.randint(1, 2)):
                self.staff(ids[g], paths[g], labels[g], "grid_worker")
        for mg in lay.micro_grids:
            self.staff(ids[mg], paths[mg], labels[mg], "grid_worker")
            if rng.random() < 0.3:
                self.staff(ids[mg], paths[mg], labels[mg], "party_household", era=0)
        if urban:
            for n, b in enumerate(lay.buildings):
                if rng.random() < 0.35 or (c_no == 1 and n == 0):  # the demo 楼栋长 login needs one
                    self.staff(ids[b], paths[b], labels[b], "building_chief", era=rng.choice((0, 1)))

    def write_staff(self, users_by_key: dict[tuple[int, str], int]) -> None:
        """Insert all planned staff assignments (and their audit rows), linking the demo logins."""
        from gridguard.accounts.models import AuditLog
        from gridguard.grids.models import Duty, StaffAssignment

        duty_label = dict(Duty.choices)
        rows = self.staff_rows
        since = self.today.isoformat()
        for start in range(0, len(rows), 50_000):
            part = rows[start:start + 50_000]
            with transaction.atomic():
                new_ids = allocate_ids(StaffAssignment, len(part))
                linked: set[tuple[int, str]] = set()
                staff_rows = []
                for pk, (node_id, _path, _label, duty, name, phone) in zip(new_ids, part, strict=True):
                    key = (node_id, duty)
                    user_id = None
                    if key in users_by_key and key not in linked:
                        user_id = users_by_key[key]
                        linked.add(key)
                    staff_rows.append((pk, node_id, duty, name, phone, user_id, since, None, self.now_db,
                                       self.actor_id))
                insert_rows(StaffAssignment, ("id", "node_id", "duty", "name", "phone", "user_id", "since", "until",
                                              "created_at", "created_by_id"), staff_rows)
                insert_rows(AuditLog, ("at", "actor_id", "action", "object_type", "object_id", "object_repr",
                                       "node_path", "detail", "ip"), (
                    (self.now_db, self.actor_id, AuditLog.Action.CREATE.value, "grids.staffassignment", str(pk),
                     f"{label.rsplit(' ', 1)[-1]} {duty_label[duty]} {name}"[:200], path, "{}", None)
                    for pk, (_n, path, label, duty, name, _p) in zip(new_ids, part, strict=True)
                ))
        self.result.staff += len(rows)

    # --- organizations --------------------------------------------------------------------------

    def organizations(self, rng: Random, community_name: str, lay: _Layout, ids: list[int], paths: list[str],
                      labels: list[str], urban: bool) -> list[str]:
        from gridguard.people.models import Organization

        count = max(1, len(lay.slots) // 30)
        kinds = _weighted_table([(k, w) for k, w, _ in _ORG_KINDS], 200)
        key_prob = {k: p for k, _, p in _ORG_KINDS}
        short = community_name[:-2] if community_name.endswith("社区") else community_name[:-1]
        places = lay.micro_grids or lay.grids
        rows = []
        employers: list[str] = []
        seen: set[str] = set()
        for i in range(count):
            kind = "clinic" if i == 0 else "market" if i == 1 and not urban else kinds[int(rng.random() * len(kinds))]
            word = rng.choice(_ORG_WORDS)
            surname = self.ctx.surnames[int(rng.random() * len(self.ctx.surnames))]
            if kind == "shop":
                name = f"{word}{rng.choice(_SHOPS)}" if rng.random() < 0.5 else f"{surname}记{rng.choice(_SHOPS)}"
            elif kind == "restaurant":
                name = f"老{surname}家{rng.choice(_FOODS)}" if rng.random() < 0.5 else f"{word}{rng.choice(_FOODS)}"
            elif kind == "enterprise":
                name = f"{TOWN_NAME}{word}{rng.choice(_INDUSTRIES)}有限公司"
            elif kind == "supermarket":
                name = f"{word}超市"
            elif kind == "pharmacy":
                name = f"{word}大药房"
            elif kind == "clinic":
                name = (f"{community_name}卫生服务站" if urban else f"{community_name}卫生室") if i == 0 else f"{surname}氏诊所"
            elif kind == "hotel":
                name = f"{word}{rng.choice(('宾馆', '酒店', '旅馆'))}"
            elif kind == "school":
                name = rng.choice((f"{short}幼儿园", f"{short}小学", f"{word}幼儿园", f"{TOWN_NAME}中心小学"))
            elif kind == "nursing_home":
                name = rng.choice((f"{TOWN_NAME}敬老院", f"{word}养老院"))
            elif kind == "market":
                name = f"{short}农贸市场"
            elif kind == "construction":
                name = f"{word}{rng.choice(('花园', '广场', '商业街'))}项目工地"
            elif kind == "government":
                name = f"{TOWN_NAME}{rng.choice(_GOV)}"
            elif kind == "religious":
                name = f"{word}{rng.choice(('寺', '庙', '教堂'))}"
            else:
                name = f"{word}{rng.choice(('物业服务中心', '驾校', '网吧', '棋牌室', '洗车行', '快递站'))}"
            if name in seen:
                name = f"{name}（{short}{i}号店）" if kind in ("shop", "restaurant", "supermarket", "pharmacy") \
                    else f"{name}{short}分部"
            seen.add(name)
            node = places[int(rng.random() * len(places))]
            contact, _ = self.any_name(rng)
            credit = ""
            if kind in ("enterprise", "supermarket", "hotel", "construction") or rng.random() < 0.3:
                credit = "92" + _LOCAL_REGIONS[0] + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
                                                          for _ in range(10))
            employees = rng.randint(2, 15) if kind in ("shop", "restaurant", "pharmacy") else rng.randint(5, 300)
            rows.append((ids[node], paths[node], name, initials(name)[:120], kind, credit,
                         f"{labels[node]} {rng.randint(1, 199)}号", contact, self.phone(rng), employees,
                         rng.random() < key_prob[kind]))
            if kind in ("enterprise", "supermarket", "hotel", "school", "clinic", "market", "government",
                        "nursing_home", "pharmacy"):
                employers.append(name)
        with transaction.atomic():
            new_ids = allocate_ids(Organization, len(rows))
            insert_rows(Organization, (
                "id", "node_id", "node_path", "name", "name_initials", "kind", "credit_code", "address",
                "contact_name", "contact_phone", "employees", "is_key_place", "is_active", "created_at",
                "created_by_id", "updated_at", "updated_by_id",
            ), ((pk, *row, True, self.now_db, self.actor_id, self.now_db, self.actor_id)
                for pk, row in zip(new_ids, rows, strict=True)))
        self.result.organizations += len(rows)
        return employers

    # --- households and persons -----------------------------------------------------------------

    def people(self, rng: Random, comps: list[tuple], lay: _Layout, ids: list[int], paths: list[str],
               labels: list[str], urban: bool, employers: list[str], budget: int) -> None:
        from gridguard.people.models import Household, Person

        ctx = self.ctx
        bit = ctx.bit
        b_elderly_alone, b_alone, b_disabled, b_low = (bit["elderly_alone"], bit["living_alone"], bit["disabled"],
                                                       bit["low_income"])
        b_pregnant, b_infant, b_chronic, b_bed = bit["pregnant"], bit["infant"], bit["chronic"], bit["bedridden"]
        b_4050, b_corr, b_vet, b_left, b_mental = (bit["age_4050"], bit["correction"], bit["veteran"],
                                                   bit["left_behind_child"], bit["mental"])
        surnames = ctx.surnames
        n_surnames = len(surnames)
        given = ctx.given
        ini = ctx.ini
        today_ord = ctx.today_ord
        today_year = self.today.year
        make_id = ctx.ids.make
        local_regions = ctx.local_regions
        n_local = len(local_regions)
        prefixes = _MOBILE_PREFIXES
        n_prefixes = len(prefixes)
        random = rng.random

        def randint(a: int, b: int) -> int:  # Random.randint is several times slower
            return a + int(random() * (b - a + 1))
        jobs_general = list(employers) + list(_EMPLOYERS_GENERAL if urban else _EMPLOYERS_VILLAGE) * 2
        n_jobs = len(jobs_general)
        away_rate = 0.06 if urban else 0.18
        now = self.now_db
        actor = self.actor_id
        region_orders: dict[tuple[str, bool], tuple[str, ...]] = {}

        def order(first: str, local: bool) -> tuple[str, ...]:
            key = (first, local)
            got = region_orders.get(key)
            if got is None:
                got = region_orders[key] = ctx.region_order(first, local)
            return got

        def person(surname: str, sex: str, age: int, relation: str, residency: str, regions: tuple[str, ...],
                   tags: int) -> list:
            birth_ord = today_ord - age * 365 - age // 4 - int(random() * 365)
            year = today_year - age
            era = 0 if year <= 1965 else 1 if year <= 1990 else 2
            first, second = given[(era, sex)]
            if random() < 0.2:
                g = second[int(random() * len(second))]
                gi = ini[g]
            else:
                a, b = first[int(random() * len(first))], second[int(random() * len(second))]
                g, gi = a + b, ini[a] + ini[b]
            made = make_id(regions, birth_ord, sex == "M")
            if made is None:  # every region full on that day: a neighbouring day is as good
                made = make_id(regions, birth_ord - 1, sex == "M")
            id_number, iso = made  # type: ignore[misc]
            phone = ""
            if age >= 16 and (age < 75 or random() < 0.5):
                phone = prefixes[int(random() * n_prefixes)] + f"{int(random() * 1e8):08d}"
            r = random()
            if age < 3:
                tags |= b_infant
            if age >= 60:
                if r < 0.04:
                    tags |= b_disabled
                if age >= 75 and random() < 0.12 or age < 75 and random() < 0.03:
                    tags |= b_bed
            else:
                if r < 0.012:
                    tags |= b_disabled
                if r > 0.998:
                    tags |= b_bed
            if age > 50 and random() < 0.10:
                tags |= b_chronic
            if 18 <= age <= 60:
                r2 = random()
                if sex == "F" and 40 <= age < 50 or sex == "M" and 50 <= age < 60:
                    if r2 < 0.06:
                        tags |= b_4050
                elif r2 < 0.001:
                    tags |= b_corr
                if random() < 0.003:
                    tags |= b_mental
            if sex == "M" and 25 <= age <= 80 and random() < 0.02:
                tags |= b_vet
            party = age >= 18 and random() < (0.05 if age < 40 else 0.08)
            if residency == "away":
                employer = "外出务工"
            elif 18 <= age < 60:
                employer = jobs_general[int(random() * n_jobs)] if random() < 0.8 else ""
            elif age >= 60:
                employer = "退休" if urban and random() < 0.6 else ""
            else:
                employer = ""
            return [surname + g, ini[surname] + gi, id_number, sex, iso, phone, relation, residency, tags, party,
                    employer]

        def draw_surname() -> str:
            return surnames[int(random() * n_surnames)]

        def spouse_age(head_age: int, head_sex: str) -> int:
            d = randint(-2, 5)
            return max(20, head_age - d if head_sex == "M" else head_age + d)

        def kids_ages(mother_age: int, k: int) -> list[int]:
            ages = []
            age = mother_age - randint(23, 36)
            for _ in range(k):
                if age < 3 and random() < 0.5:  # fewer births in recent years
                    age += randint(3, 9)
                ages.append(max(0, age))
                age -= randint(1, 7)
            return ages

        def household(comp: tuple) -> tuple[list[list], bool, str, str]:
            """Members (relation order: head first), is_rental, landlord name, landlord phone."""
            kind = comp[0]
            if kind == "R":
                region = _OTHER_REGIONS[int(random() * len(_OTHER_REGIONS))] if random() < 0.75 else \
                    local_regions[int(random() * n_local)]
                regions = order(region, region in _LOCAL_REGIONS)
                residency = "floating" if random() < 0.6 else "temporary"
                n = comp[1]
                s = draw_surname()
                members = []
                head_sex = "M" if random() < 0.65 else "F"
                head_age = randint(20, 48)
                members.append(person(s, head_sex, head_age, "tenant", residency, regions, 0))
                if n >= 2:
                    if random() < 0.7:
                        other = "F" if head_sex == "M" else "M"
                        members.append(person(draw_surname(), other, spouse_age(head_age, head_sex), "tenant",
                                              residency, regions, 0))
                    else:
                        members.append(person(draw_surname(), "M" if random() < 0.5 else "F",
                                              max(18, head_age + randint(-6, 6)), "tenant", residency, regions, 0))
                mother = head_age if head_sex == "F" else head_age - 2
                for age in kids_ages(max(mother, 24), n - 2):
                    members.append(person(s, "M" if random() < 0.52 else "F", age, "tenant", residency, regions, 0))
                landlord, _ = self.any_name(rng, era=1)
                return members, True, landlord, prefixes[int(random() * n_prefixes)] + f"{int(random() * 1e8):08d}"

            region = local_regions[int(random() * n_local)]
            local = random() < 0.93
            if not local:
                region = _OTHER_REGIONS[int(random() * len(_OTHER_REGIONS))]
            regions = order(region, local)
            base_res = "registered" if local and random() < 0.88 else "resident"
            low = b_low if random() < 0.03 else 0
            s = draw_surname()
            members = []

            def res(age: int) -> str:
                if 18 <= age <= 45 and random() < away_rate:
                    return "away"
                return base_res

            if kind == "A":
                sex = "F" if random() < 0.6 else "M"
                age = randint(65, 92)
                members.append(person(s, sex, age, "head", base_res, regions, low | b_elderly_alone | b_alone))
            elif kind == "B":
                age = randint(60, 85)
                t = low | b_elderly_alone
                members.append(person(s, "M", age, "head", base_res, regions, t))
                members.append(person(draw_surname(), "F", max(58, spouse_age(age, "M")), "spouse", base_res,
                                      regions, t))
            elif kind == "C":
                sex = "M" if random() < 0.55 else "F"
                age = randint(24, 50)
                members.append(person(s, sex, age, "head", res(age), regions, low))
            elif kind in ("D", "E", "F"):
                if kind == "D":
                    age = randint(30, 70)
                elif kind == "E":
                    age = randint(30, 56)
                else:
                    age = randint(30, 52)
                head_sex = "M" if random() < 0.85 else "F"
                s2 = draw_surname()
                s_age = spouse_age(age, head_sex)
                wife_age = s_age if head_sex == "M" else age
                left_behind = kind == "F" and not urban and comp[1] > 0 and random() < 0.35
                h_res = "away" if left_behind else res(age)
                sp_res = "away" if left_behind else res(s_age)
                preg = b_pregnant if 22 <= wife_age <= 38 and random() < 0.05 else 0
                members.append(person(s, head_sex, age, "head", h_res, regions,
                                      low | (preg if head_sex == "F" else 0)))
                members.append(person(s2, "F" if head_sex == "M" else "M", s_age, "spouse", sp_res, regions,
                                      low | (preg if head_sex == "M" else 0)))
                child_surname = s if head_sex == "M" else s2
                k = comp[1] if kind in ("E", "F") else 0
                for c_age in kids_ages(wife_age, k):
                    t = low | (b_left if left_behind and c_age < 16 else 0)
                    members.append(person(child_surname, "M" if random() < 0.52 else "F", c_age, "child",
                                          res(c_age), regions, t))
                if kind == "F":
                    gp_age = age + randint(22, 34)
                    gp_sexes = ("M", "F") if comp[2] == 2 else (("F",) if random() < 0.6 else ("M",))
                    for gs in gp_sexes:
                        a = gp_age if gs == "M" else max(age + 20, gp_age - randint(0, 5))
                        members.append(person(s if gs == "M" else draw_surname(), gs, min(a, 98), "parent",
                                              base_res, regions, low))
            elif kind == "G":
                age = randint(55, 72)
                head_sex = "M" if random() < 0.8 else "F"
                sp_s = draw_surname()
                members.append(person(s, head_sex, age, "head", base_res, regions, low))
                if not comp[2]:
                    members.append(person(sp_s, "F" if head_sex == "M" else "M", spouse_age(age, head_sex),
                                          "spouse", base_res, regions, low))
                c_age = max(22, age - randint(22, 32))
                son = random() < 0.7
                c_surname = s if head_sex == "M" else sp_s
                members.append(person(c_surname, "M" if son else "F", c_age, "child", res(c_age), regions, low))
                in_law_surname = draw_surname()
                members.append(person(in_law_surname, "F" if son else "M", max(20, c_age + randint(-3, 3)),
                                      "child_in_law", res(c_age), regions, low))
                g_surname = c_surname if son else in_law_surname
                mother_age = c_age if not son else max(20, c_age - 2)
                for g_age in kids_ages(max(mother_age, 23), comp[1]):
                    members.append(person(g_surname, "M" if random() < 0.52 else "F", g_age, "grandchild",
                                          base_res, regions, low))
            else:  # H
                sex = "F" if random() < 0.7 else "M"
                age = randint(28, 50)
                members.append(person(s, sex, age, "head", res(age), regions, low))
                c_surname = s if sex == "M" or random() < 0.4 else draw_surname()
                for c_age in kids_ages(age if sex == "F" else age - 2, comp[1]):
                    members.append(person(c_surname, "M" if random() < 0.52 else "F", c_age, "child",
                                          base_res, regions, low))
            return members, False, "", ""

        slots = lay.slots
        n_slots = len(slots)
        i = 0
        written = 0
        while i < n_slots:
            batch = []  # (slot index, members, rental, landlord, landlord phone)
            count = 0
            while i < n_slots and count < self.batch_persons:
                members, rental, landlord, landlord_phone = household(comps[i])
                if i == n_slots - 1:  # the last household takes exactly what is left of the budget
                    members = members[: max(1, budget - written - count)]
                batch.append((i, members, rental, landlord, landlord_phone))
                count += len(members)
                i += 1
            with transaction.atomic():
                h_ids = allocate_ids(Household, len(batch))
                p_ids = allocate_ids(Person, count)
                h_rows = []
                p_rows = []
                k = 0
                for h_id, (slot, members, rental, landlord, landlord_phone) in zip(h_ids, batch, strict=True):
                    leaf, room = slots[slot]
                    node_id, path = ids[leaf], paths[leaf]
                    h_rows.append((h_id, node_id, path, room, labels[leaf] + " " + room, p_ids[k], rental,
                                   landlord, landlord_phone, True, now, actor, now, actor))
                    for m in members:
                        p_rows.append((p_ids[k], h_id, node_id, path, m[0], m[1], ID_TYPE_RESIDENT, m[2], m[3],
                                       m[4], m[5], m[6], m[7], m[8], m[9], m[10], "active", "", now, actor, now,
                                       actor))
                        k += 1
                insert_rows(Household, HOUSEHOLD_FIELDS, h_rows)
                insert_rows(Person, PERSON_FIELDS, p_rows)
            written += count
            self.result.households += len(batch)
            self.result.persons += count
            self.out(f"    {self.result.persons:,} 人 / {self.result.households:,} 户")

    # --- one community --------------------------------------------------------------------------

    def community(self, c_no: int, community, urban: bool, short: str, budget: int) -> None:
        rng_a = Random(f"{self.seed}:{c_no}:layout")
        table = _weighted_table(list(_COMP_URBAN if urban else _COMP_VILLAGE), 200)
        comps: list[tuple] = []
        size = 0
        while size < budget:
            comp = _draw_composition(rng_a, table)
            comps.append(comp)
            size += _composition_size(comp)
        layout = _layout_urban if urban else _layout_village
        lay = layout(rng_a, short, c_no, len(comps))
        ids, paths, labels = self.write_tree(community, lay)
        self.plan_staff(c_no, lay, ids, paths, labels, urban)
        employers = self.organizations(Random(f"{self.seed}:{c_no}:orgs"), community.name, lay, ids, paths, labels,
                                       urban)
        self.c_info[c_no] = (lay, ids, paths, labels)
        if budget:
            self.people(Random(f"{self.seed}:{c_no}:people"), comps, lay, ids, paths, labels, urban, employers,
                        budget)


# --- indexes around a big load ----------------------------------------------------------------


def _person_index_names() -> set[str]:
    from gridguard.people.models import Person

    with connection.cursor() as cur:
        return set(connection.introspection.get_constraints(cur, Person._meta.db_table))


def ensure_person_indexes() -> list[str]:
    """Create any of Person's Meta.indexes that is missing (e.g. after an interrupted big load),
    exactly as the migrations define them. Returns the names created."""
    from gridguard.people.models import Person

    existing = _person_index_names()
    missing = [idx for idx in Person._meta.indexes if idx.name not in existing]
    if missing:
        pg = connection.vendor == "postgresql"
        if pg:  # room to sort in memory: builds several times faster than the 64 MB default
            with connection.cursor() as cur:
                cur.execute("SET maintenance_work_mem = '512MB'")
        try:
            with connection.schema_editor() as editor:
                for idx in missing:
                    editor.add_index(Person, idx)
        finally:
            if pg:
                with connection.cursor() as cur:
                    cur.execute("RESET maintenance_work_mem")
    return [idx.name for idx in missing]


@contextmanager
def deferred_person_indexes(enabled: bool) -> Iterator[None]:
    """Drop the random-order person indexes for a huge load and rebuild them afterwards, through
    the schema editor from Person.Meta.indexes (same names, same definitions), even on error."""
    from gridguard.people.models import Person

    if not enabled:
        yield
        return
    existing = _person_index_names()
    with connection.schema_editor() as editor:
        for idx in Person._meta.indexes:
            if idx.name in DEFERRED_PERSON_INDEXES and idx.name in existing:
                editor.remove_index(Person, idx)
    try:
        yield
    finally:
        ensure_person_indexes()


# --- wiping -----------------------------------------------------------------------------------


def demo_usernames() -> list[str]:
    names = [ADMIN_USERNAME, "chengguan"] + [c[2] for c in COMMUNITIES]
    names += [f"wangge{i:02d}" for i in range(1, 4)] + [f"wanggeyuan{i:02d}" for i in range(1, 4)]
    names += ["yisheng01", "loudong01", "caiyang01", "jiance01"]
    return names


def _wipe_plan() -> tuple[list[type[models.Model]], list[tuple[type[models.Model], str]]]:
    """Models to empty (the ledgers, the tree and everything that cannot outlive them) and the
    nullable references into them from models that stay."""
    from django.apps import apps

    from gridguard.grids.models import GridNode
    from gridguard.people.models import Household, Organization, Person

    wipe: list[type[models.Model]] = [Person, Household, Organization, GridNode]
    nulls: list[tuple[type[models.Model], str]] = []
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in wipe or model._meta.proxy or not model._meta.managed:
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in wipe:
                    if getattr(f.remote_field, "on_delete", None) is models.SET_NULL and f.null:
                        if (model, f.column) not in nulls:
                            nulls.append((model, f.column))
                    else:
                        wipe.append(model)
                        changed = True
                        break
    nulls = [(m, c) for m, c in nulls if m not in wipe]
    return wipe, nulls


def wipe_demo(out: Callable[[str], None] = lambda s: None) -> None:
    """Empty the people ledgers and the grid tree (and what hangs on them), and delete demo users."""
    from gridguard.accounts.models import User

    wipe, nulls = _wipe_plan()
    qn = connection.ops.quote_name
    # TRUNCATE is instant but refuses tables with pending deferred-constraint events, which an outer
    # transaction (a test) may hold: there, and on SQLite, rows are deleted.
    truncate = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cur:
        for model, column in nulls:
            cur.execute(f"UPDATE {qn(model._meta.db_table)} SET {qn(column)} = NULL "  # noqa: S608
                        f"WHERE {qn(column)} IS NOT NULL")
        tables = [m._meta.db_table for m in wipe]
        if truncate:
            referenced_outside = set()
            for model, _col in nulls:
                for f in model._meta.concrete_fields:
                    if f.is_relation and f.related_model in wipe:
                        referenced_outside.add(f.related_model._meta.db_table)  # type: ignore[union-attr]
            fast = [t for t in tables if t not in referenced_outside]
            if fast:
                cur.execute("TRUNCATE " + ", ".join(qn(t) for t in fast))
            for t in tables:
                if t in referenced_outside:
                    cur.execute(f"DELETE FROM {qn(t)}")  # noqa: S608
        else:
            for t in tables:
                cur.execute(f"DELETE FROM {qn(t)}")  # noqa: S608
    User.objects.filter(username__in=demo_usernames()).delete()
    out(f"已清空：{', '.join(m._meta.db_table for m in wipe)}；已删除演示账号")


# --- entry point --------------------------------------------------------------------------------


def _budgets(total: int) -> list[int]:
    weights = [c[4] for c in COMMUNITIES]
    s = sum(weights)
    budgets = [int(total * w / s) for w in weights]
    for i in range(total - sum(budgets)):
        budgets[i % len(budgets)] += 1
    return budgets


def generate_town(
    *,
    persons: int = DEFAULT_PERSONS,
    seed: int = DEFAULT_SEED,
    users: bool = True,
    reset: bool = False,
    out: Callable[[str], None] = lambda s: None,
    batch_persons: int = BATCH_PERSONS,
    defer_indexes: bool | None = None,
) -> DemoResult:
    """Generate the demo town: tree, ledgers, staff and logins. Refuses a database that already has
    grid nodes unless ``reset``. (``gridguard.demo.services.generate_demo`` then runs each
    capability's demo step.)"""
    from gridguard.accounts.models import Role, User
    from gridguard.accounts.services import user_create
    from gridguard.grids.models import GridNode, Level
    from gridguard.grids.services import node_create

    if persons < 0:
        raise ApplicationError("persons_invalid", "人数不能为负数", field="persons")
    started = time.perf_counter()
    if GridNode.objects.exists():
        if not reset:
            raise DemoRefused("not_empty", "数据库中已有网格节点，拒绝生成演示数据；如确需重建，请加 --reset（将清空现有人员、网格和演示账号）")
        wipe_demo(out)
    elif reset:
        wipe_demo(out)
    repaired = ensure_person_indexes()
    if repaired:
        out(f"已补建缺失的索引：{', '.join(repaired)}")

    roles = {r.code: r for r in Role.objects.all()}
    levels = {lv.code: lv for lv in Level.objects.all()}
    logins: list[Login] = []
    admin = None
    if users:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            admin = user_create(actor=None, username=ADMIN_USERNAME, password=ADMIN_PASSWORD, full_name="系统管理员",
                                role=roles["admin"], is_superuser=True)
            logins.append(Login(ADMIN_USERNAME, ADMIN_PASSWORD, roles["admin"].name, "（全部）", "系统管理员"))
        else:
            logins.append(Login(ADMIN_USERNAME, "（未修改）", roles["admin"].name, "（全部）", admin.full_name, False))

    gen = _Generator(persons=persons, seed=seed, actor_id=admin.pk if admin else None, out=out,
                     batch_persons=batch_persons)
    town = node_create(actor=admin, parent=None, name=TOWN_NAME, level=levels["street"], code=TOWN_CODE,
                       check_scope=False)
    town_label = TOWN_NAME
    gen.staff(town.pk, town.path, town_label, "head", era=1)
    communities = []
    for c_no, (name, _short, _login, _urban, _w) in enumerate(COMMUNITIES, start=1):
        node = node_create(actor=admin, parent=town, name=name, level=levels["community"],
                           code=f"{TOWN_CODE}{c_no:02d}", check_scope=False)
        communities.append(node)
    gen.result.nodes += 1 + len(communities)
    big = persons >= BIG_LOAD if defer_indexes is None else defer_indexes
    gen.result.deferred_indexes = big
    budgets = _budgets(persons)
    person_started = time.perf_counter()
    if connection.vendor == "postgresql":
        # demo data may be regenerated: do not wait for the WAL flush at every batch commit
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
    try:
        with deferred_person_indexes(big):
            for c_no, (node, (name, short, _login, urban, _w), budget) in enumerate(
                zip(communities, COMMUNITIES, budgets, strict=True), start=1
            ):
                out(f"  {name}：{budget:,} 人")
                gen.community(c_no, node, urban, short, budget)
            index_started = time.perf_counter()
        gen.result.index_seconds = time.perf_counter() - index_started if big else 0.0
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("RESET synchronous_commit")
    gen.result.person_seconds = time.perf_counter() - person_started

    # logins, bound to their nodes, and the staff assignments they hold
    users_by_key: dict[tuple[int, str], int] = {}
    if users:
        def login(username: str, role: str, node, duty: str | None, label: str) -> None:
            if User.objects.filter(username=username).exists():
                logins.append(Login(username, "（未修改）", roles[role].name, label, "", False))
                return
            staff = next((s for s in gen.staff_rows if s[0] == node.pk and s[3] == duty), None) if duty else None
            full_name = staff[4] if staff else username
            phone = staff[5] if staff else ""
            user = user_create(actor=admin, username=username, password=DEMO_PASSWORD, full_name=full_name,
                               phone=phone, role=roles[role], nodes=[node])
            if duty and staff:
                users_by_key[(node.pk, duty)] = user.pk
            logins.append(Login(username, DEMO_PASSWORD, roles[role].name, label, full_name))

        login("chengguan", "street_official", town, "head", town_label)
        for node, (_name, _short, username, _urban, _w) in zip(communities, COMMUNITIES, strict=True):
            login(username, "community_official", node, "head", f"{town_label} / {node.name}")
        for i, c_no in enumerate((1, 2, 6), start=1):
            lay, ids, _paths, labels = gen.c_info[c_no]
            grid = GridNode.objects.get(pk=ids[lay.grids[0]])
            label = f"{town_label} / {labels[lay.grids[0]].replace(' ', ' / ')}"
            login(f"wangge{i:02d}", "grid_chief", grid, "grid_chief", label)
            login(f"wanggeyuan{i:02d}", "grid_worker", grid, "grid_worker", label)
        login("yisheng01", "medic", communities[0], "medic", f"{town_label} / {communities[0].name}")
        # a sampler of the first community's sampling point and a lab (mass screening's demo uses them)
        login("caiyang01", "sampler", communities[0], None, f"{town_label} / {communities[0].name}")
        login("jiance01", "lab", town, None, town_label)
        lay, ids, _paths, labels = gen.c_info[1]
        if lay.buildings:
            building = GridNode.objects.get(pk=ids[lay.buildings[0]])
            login("loudong01", "building_chief", building, "building_chief",
                  f"{town_label} / {labels[lay.buildings[0]].replace(' ', ' / ')}")
    gen.write_staff(users_by_key)
    GridNode.objects.filter(pk=town.pk).update(numchild=len(communities))
    _analyze()
    gen.result.logins = logins
    gen.result.seconds = time.perf_counter() - started
    return gen.result


def _analyze() -> None:
    """Fresh planner statistics for the tables just filled."""
    tables = ["people_person", "people_household", "people_organization", "grids_gridnode", "grids_staffassignment"]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for t in tables:
                cur.execute(f"ANALYZE {connection.ops.quote_name(t)}")
        else:
            cur.execute("PRAGMA analysis_limit = 1000")
            for t in tables:
                cur.execute(f"ANALYZE {connection.ops.quote_name(t)}")
