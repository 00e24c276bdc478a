"""Key-person control (重点人员管控): arrivals, control orders under a policy, three-to-one teams,
health checks, alerts, transfers, scheduled tests, release and needs.

Every row that is shown or changed carries the ``node_path`` of the person's node, so each list is
one range scan of the user's subtree (see accounts.scope)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridguard.core.identity import ID_TYPE_CHOICES, ID_TYPE_RESIDENT
from gridguard.core.paths import BinaryCharField


class Category(models.TextChoices):
    CLOSE_CONTACT = "close_contact", _("密接")
    SECONDARY_CONTACT = "secondary_contact", _("次密接")
    HIGH_RISK_ARRIVAL = "high_risk_arrival", _("高风险地区来返")
    MEDIUM_RISK_ARRIVAL = "medium_risk_arrival", _("中风险地区来返")
    INBOUND = "inbound", _("入境")
    FEVER = "fever", _("发热")
    CODE = "code", _("红黄码")
    SCREEN_POSITIVE = "screen_positive", _("初筛阳性")
    OTHER = "other", _("其他")


class Measure(models.TextChoices):
    CENTRAL_ISOLATION = "central", _("集中隔离")
    HOME_ISOLATION = "home", _("居家隔离")
    HOME_MONITORING = "home_monitoring", _("居家健康监测")
    DAILY_MONITORING = "daily_monitoring", _("日常健康监测")


# The decision of a verifier who orders no measure for an arrival (无需管控).
NO_MEASURE = "none"

# Measures under which the person stays at home: their household is marked.
HOME_MEASURES = (Measure.HOME_ISOLATION, Measure.HOME_MONITORING)


class PolicySet(models.Model):
    """A set of policies a town chooses from (the seeds' 14 days; the national plan's 9th edition)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    description = models.TextField(_("说明"), blank=True)
    is_current = models.BooleanField(_("当前使用"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("管控政策方案")
        verbose_name_plural = _("管控政策方案")

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    """One stage of a measure: how many days, when checks are due each day, on which days a
    nucleic-acid test is scheduled, and the stage that follows (密接: 7 days central isolation,
    then 3 days home health monitoring). ``category`` blank = the measure's default."""

    policy_set = models.ForeignKey(
        PolicySet, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="policies"
    )
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices, blank=True)
    measure = models.CharField(_("措施"), max_length=20, choices=Measure.choices)
    days = models.PositiveSmallIntegerField(_("天数"))
    # "06:00-12:00,12:00-20:00": local times (TIME_ZONE); "24:00" ends at midnight.
    check_slots = models.CharField(
        _("每日检测时段"),
        max_length=120,
        default="06:00-12:00,12:00-20:00",
        help_text=_("如 06:00-12:00,12:00-20:00"),
    )
    test_days = models.JSONField(
        _("核酸检测日"), default=list, blank=True, help_text=_("第几天，如 1, 4, 7；可为空（无核酸检测）")
    )
    next_policy = models.ForeignKey(
        "self", verbose_name=_("下一阶段"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["policy_set_id", "id"]
        verbose_name = _("管控政策")
        verbose_name_plural = _("管控政策")

    def __str__(self) -> str:
        who = self.get_category_display() if self.category else _("默认")
        return _("{who} · {measure} {days}天").format(who=who, measure=self.get_measure_display(), days=self.days)


class PolicyChange(models.Model):
    """Who changed the town's policies, when, and what: a set chosen, a policy's values edited
    (``changes``: field → [old, new]), and whether running orders took the change."""

    class Kind(models.TextChoices):
        CHOOSE = "choose", _("选用方案")
        EDIT = "edit", _("修改政策")

    policy_set = models.ForeignKey(
        PolicySet, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="changes"
    )
    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    changes = models.JSONField(_("修改内容"), default=dict, blank=True)
    apply_running = models.BooleanField(_("应用到在管对象"), default=False)
    applied_orders = models.PositiveIntegerField(_("调整的在管对象数"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("政策修改记录")
        verbose_name_plural = _("政策修改记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class ArrivalStatus(models.TextChoices):
    PENDING = "pending", _("待核实")
    ORDERED = "ordered", _("已采取措施")
    NO_MEASURE = "no_measure", _("无需管控")
    REPEAT = "repeat", _("重复报备")


class ArrivalReport(models.Model):
    """来返人员报备: filled in by the arriving person on a public page, verified by a grid worker.

    A public submission never changes one already submitted: a second report of an identity number
    that is still waiting is a row of its own, attached to the first (``repeat_of``, status
    "repeat"), in the first's queue, and shown to its verifier beside it."""

    node = models.ForeignKey(
        "grids.GridNode", verbose_name=_("归属网格"), on_delete=models.PROTECT, related_name="+"
    )
    node_path = BinaryCharField(max_length=255)
    poster_node = models.ForeignKey(
        "grids.GridNode", verbose_name=_("扫码位置"), on_delete=models.PROTECT, related_name="+"
    )
    address_node = models.ForeignKey(
        "grids.GridNode",
        verbose_name=_("住址楼栋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The node the typed address names (compound, building or unit under the poster), and its room.
    matched_node = models.ForeignKey(
        "grids.GridNode",
        verbose_name=_("地址匹配"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    room = models.CharField(_("房号"), max_length=40, blank=True)
    name = models.CharField(_("姓名"), max_length=60)
    id_type = models.CharField(_("证件类型"), max_length=10, choices=ID_TYPE_CHOICES, default=ID_TYPE_RESIDENT)
    id_number = BinaryCharField(_("证件号码"), max_length=40)
    phone = models.CharField(_("联系电话"), max_length=20)
    from_place = models.CharField(_("来自何处"), max_length=100)
    arrival_date = models.DateField(_("抵达日期"))
    address = models.CharField(_("本地住址"), max_length=200)
    transport = models.CharField(_("交通方式"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("报备时间"))
    # Reports merged before repeats were kept as rows of their own; new reports keep 1.
    times = models.PositiveSmallIntegerField(_("报备次数"), default=1)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("重复的报备"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="repeats",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ArrivalStatus.choices, default=ArrivalStatus.PENDING
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.ForeignKey(
        "ControlOrder",
        verbose_name=_("管控"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.CharField(_("核实说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # Two first reports of one identity number at the same instant: the second is a repeat.
            models.UniqueConstraint(
                fields=["id_number"], condition=models.Q(status="pending"), name="one_pending_arrival_per_id"
            )
        ]
        indexes = [
            models.Index(fields=["node_path", "status", "id"], name="arrival_queue_idx"),
            models.Index(fields=["id_number", "status"], name="arrival_idno_idx"),
        ]
        verbose_name = _("来返人员报备")
        verbose_name_plural = _("来返人员报备")

    def __str__(self) -> str:
        return f"{self.name} {self.arrival_date}"


class OrderStatus(models.TextChoices):
    ACTIVE = "active", _("管控中")
    RELEASED = "released", _("已解除")
    CANCELLED = "cancelled", _("已撤销")


class ControlOrder(models.Model):
    """管控对象: one person under one measure. At most one active order per person."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("所在户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    node = models.ForeignKey(
        "grids.GridNode", verbose_name=_("所属网格"), on_delete=models.PROTECT, related_name="+"
    )
    node_path = BinaryCharField(max_length=255)
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    source = models.CharField(
        _("来源"), max_length=60, blank=True, help_text=_("如 协查名单、自主报备、排查发现")
    )
    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(_("措施"), max_length=20, choices=Measure.choices)
    place = models.CharField(_("隔离地点"), max_length=120, blank=True)
    # The address as the person gave it (an arrival report), kept beside the ledger's household.
    reported_address = models.CharField(_("本人填报住址"), max_length=200, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("计划结束日期"), help_text=_("含后续阶段"))
    stage_start = models.DateField(_("本阶段开始"))
    stage_end = models.DateField(_("本阶段结束"))
    # Check slots of the current stage, copied from the policy so the periodic job needs no join.
    check_slots = models.CharField(_("每日检测时段"), max_length=120, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ACTIVE
    )
    team_complete = models.BooleanField(_("三包一齐全"), default=False)
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notice_no = models.CharField(_("告知书编号"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="active"), name="one_active_order_per_person"
            )
        ]
        indexes = [
            models.Index(fields=["node_path", "status", "id"], name="order_path_idx"),
            models.Index(fields=["status", "check_slots", "stage_start"], name="order_slots_idx"),
            models.Index(fields=["person", "status"], name="order_person_idx"),
        ]
        verbose_name = _("管控对象")
        verbose_name_plural = _("管控对象")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_measure_display()}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def is_active(self) -> bool:
        return self.status == OrderStatus.ACTIVE

    @property
    def home_address(self) -> str:
        """Where the person lives: the ledger's household, else the address they gave, else their
        node (select ``household`` and ``node`` with the order)."""
        if self.household_id and self.household is not None:
            return self.household.address
        return self.reported_address or self.node.name

    @property
    def whereabouts(self) -> str:
        """Where the team finds the person: the place of central isolation (hotel and room; "" while
        none is recorded), else the place given, else home."""
        if self.measure == Measure.CENTRAL_ISOLATION:
            return self.place
        return self.place or self.home_address


class OrderStep(models.Model):
    """A dated, attributed step of an order's life. Kept, never edited."""

    class Kind(models.TextChoices):
        CREATE = "create", _("下达管控")
        EXTEND = "extend", _("延长")
        CHANGE = "change", _("变更措施")
        NEXT_STAGE = "next_stage", _("转入下一阶段")
        PLACE = "place", _("变更地点")
        TRANSFER = "transfer", _("转运")
        TEAM = "team", _("调整三包一")
        RELEASE = "release", _("解除")
        CANCEL = "cancel", _("撤销")
        LINK = "link", _("自报链接")
        POLICY = "policy", _("政策调整")

    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("日期"))
    detail = models.JSONField(_("内容"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("记录时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("管控记录")
        verbose_name_plural = _("管控记录")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class TeamRole(models.TextChoices):
    TOWN_CADRE = "town_cadre", _("镇干部")
    VILLAGE_CADRE = "village_cadre", _("村（社区）干部")
    MEDIC = "medic", _("医务人员")


# 三包一: how many of each role a full team has (at least).
TEAM_NEEDS = {TeamRole.TOWN_CADRE: 1, TeamRole.VILLAGE_CADRE: 2, TeamRole.MEDIC: 1}


class TeamMember(models.Model):
    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="team")
    role = models.CharField(_("分工"), max_length=16, choices=TeamRole.choices)
    staff = models.ForeignKey(
        "grids.StaffAssignment",
        verbose_name=_("网格人员"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    class Meta:
        ordering = ["order_id", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "staff"], name="uniq_team_staff")]
        indexes = [models.Index(fields=["user", "order"], name="team_user_idx")]
        verbose_name = _("三包一成员")
        verbose_name_plural = _("三包一成员")

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class Symptom(models.IntegerChoices):
    """Bits of HealthCheck.symptoms."""

    FEVER = 1, _("发热")
    COUGH = 2, _("咳嗽")
    SORE_THROAT = 4, _("咽痛")
    TASTE_SMELL = 8, _("嗅（味）觉减退")
    DIARRHOEA = 16, _("腹泻")
    OTHER = 32, _("其他")


FEVER_THRESHOLD = 37.3  # °C: at or above is a fever


class HealthCheck(models.Model):
    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="checks")
    slot_date = models.DateField(_("日期"))
    slot = models.PositiveSmallIntegerField(_("时段"))
    temperature = models.DecimalField(_("体温(℃)"), max_digits=3, decimal_places=1)
    symptoms = models.PositiveSmallIntegerField(_("症状"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    at = models.DateTimeField(_("检测时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    self_reported = models.BooleanField(_("本人自报"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["order", "slot_date", "slot"], name="check_slot_idx")]
        verbose_name = _("健康监测")
        verbose_name_plural = _("健康监测")

    def __str__(self) -> str:
        return f"{self.slot_date} #{self.slot} {self.temperature}"

    @property
    def symptom_names(self) -> list[str]:
        return [str(s.label) for s in Symptom if self.symptoms & s.value]


class AlertKind(models.TextChoices):
    FEVER = "fever", _("发热")
    SYMPTOM = "symptom", _("症状异常")
    MISSED = "missed", _("漏测")
    POSITIVE = "positive", _("核酸阳性")
    RECALL = "recall", _("混管阳性待复核")


class Alert(models.Model):
    """预警. Most are about a controlled person (``order``); an alert about a person under no order
    (a member of a positive pool of mass screening, ``alert_raise_for_persons``) has ``person`` and
    no order. Both kinds are one list, scoped by ``node_path``."""

    order = models.ForeignKey(ControlOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    node_path = BinaryCharField(max_length=255)
    kind = models.CharField(_("类型"), max_length=10, choices=AlertKind.choices)
    slot_date = models.DateField(_("日期"))
    slot = models.PositiveSmallIntegerField(_("时段"), null=True, blank=True)
    check_ref = models.ForeignKey(
        HealthCheck,
        verbose_name=_("检测记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.CharField(_("内容"), max_length=200, blank=True)
    raised_at = models.DateTimeField(_("预警时间"))
    is_open = models.BooleanField(_("未处置"), default=True)
    resolved_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.CharField(_("处置情况"), max_length=200, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # The missed-check job may run twice for a slot: one alert per order and slot.
            models.UniqueConstraint(
                fields=["order", "slot_date", "slot"],
                condition=models.Q(kind="missed"),
                name="one_missed_alert_per_slot",
            )
        ]
        indexes = [
            models.Index(fields=["node_path", "is_open", "id"], name="alert_path_idx"),
            models.Index(fields=["order", "is_open"], name="alert_order_idx"),
        ]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.slot_date}"

    @property
    def subject(self) -> object:
        """The person the alert is about (through the order, or directly when it has none)."""
        return self.order.person if self.order is not None else self.person


class Transfer(models.Model):
    """转运: a person taken to a fever clinic, hospital or hotel, with the handover."""

    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="transfers")
    at = models.DateTimeField(_("转运时间"))
    vehicle = models.CharField(_("车辆"), max_length=40)
    destination = models.CharField(_("目的地"), max_length=120)
    handover = models.CharField(_("交接人"), max_length=60)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("记录时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("转运")
        verbose_name_plural = _("转运")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} → {self.destination}"


class TestResult(models.TextChoices):
    PENDING = "pending", _("待检测")
    SAMPLED = "sampled", _("已采样")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")
    CANCELLED = "cancelled", _("已取消")


class ScheduledTest(models.Model):
    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="tests")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    day_no = models.PositiveSmallIntegerField(_("第几天"))
    date = models.DateField(_("检测日期"))
    result = models.CharField(
        _("结果"), max_length=10, choices=TestResult.choices, default=TestResult.PENDING
    )
    sampled_at = models.DateTimeField(_("采样时间"), null=True, blank=True)
    result_at = models.DateTimeField(_("结果时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["order", "date"], name="test_order_idx")]
        verbose_name = _("核酸检测安排")
        verbose_name_plural = _("核酸检测安排")

    def __str__(self) -> str:
        return f"{self.date} {self.get_result_display()}"


class SelfReportLink(models.Model):
    """A secret link for the person to report their own temperature (no account). Only the hash is
    stored; revoking it makes the link answer 'no longer valid'."""

    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="links")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("自报链接")
        verbose_name_plural = _("自报链接")

    def __str__(self) -> str:
        return f"{self.order_id} {'revoked' if self.revoked_at else 'active'}"


class NeedKind(models.TextChoices):
    SHOPPING = "shopping", _("代买代购")
    MEDICINE = "medicine", _("药品")
    MEDICAL = "medical", _("就医")
    PSYCHOLOGICAL = "psychological", _("心理疏导")
    OTHER = "other", _("其他")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    IN_PROGRESS = "in_progress", _("处理中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class NeedRequest(models.Model):
    """生活保障: a need of a person under control or their household, tracked to done."""

    order = models.ForeignKey(
        ControlOrder, verbose_name=_("管控对象"), on_delete=models.CASCADE, related_name="needs"
    )
    node_path = BinaryCharField(max_length=255)
    kind = models.CharField(_("类型"), max_length=16, choices=NeedKind.choices)
    detail = models.CharField(_("需求内容"), max_length=300)
    status = models.CharField(_("状态"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.CharField(_("办理情况"), max_length=200, blank=True)
    self_reported = models.BooleanField(_("本人提交"), default=False)
    created_at = models.DateTimeField(_("提交时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["node_path", "status", "id"], name="need_path_idx")]
        verbose_name = _("生活保障需求")
        verbose_name_plural = _("生活保障需求")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.detail[:20]}"
