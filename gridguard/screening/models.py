"""Mass screening (全员核酸检测): rounds over a subtree, who is in scope, sampling points with
their grids and slots, pooled tubes filled by scans, transport boxes, lab results, the recall of a
positive pool and the reasons of the missing.

Every row that a list shows carries the ``node_path`` of the person's (or the point's) node, so a
node's figures are one range scan of ``(round, node_path)``.

The hot path is the scan: a ``Scan`` row per client-made id (the answer to it, whatever it was) makes
a retried request or a batch sent twice harmless; a ``Sample`` is a person in a tube; a tube's
``used`` places change only by a conditional UPDATE."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridguard.core.paths import BinaryCharField


class Mode(models.TextChoices):
    POOL10 = "pool10", _("10合1混采")
    POOL20 = "pool20", _("20合1混采")
    SINGLE = "single", _("单采")
    HOUSEHOLD = "household", _("一户一管")


# Places in a tube of each mode; a household tube takes the persons of one household.
CAPACITY = {Mode.POOL10: 10, Mode.POOL20: 20, Mode.SINGLE: 1, Mode.HOUSEHOLD: 30}


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class ScreeningRound(models.Model):
    """轮次: one mass-screening campaign over a subtree."""

    name = models.CharField(_("名称"), max_length=80)
    node = models.ForeignKey(
        "grids.GridNode", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    node_path = BinaryCharField(max_length=255)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    mode = models.CharField(_("默认采样方式"), max_length=10, choices=Mode.choices, default=Mode.POOL10)
    status = models.CharField(_("状态"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    # Exemptions by rule, applied when the scope is drawn (the round's opening).
    exempt_away = models.BooleanField(_("外出人员免检"), default=True)
    exempt_under_months = models.PositiveSmallIntegerField(
        _("婴幼儿免检（月龄以下）"), default=0, help_text=_("0 表示不免检")
    )
    exempt_central = models.BooleanField(_("集中隔离人员按管控安排检测"), default=True)
    target_hours = models.PositiveSmallIntegerField(
        _("出结果时限（小时）"),
        default=24,
        help_text=_("发热门诊 4–6 小时，住院患者 12 小时，自愿检测 24 小时"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
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
        indexes = [models.Index(fields=["node_path", "status"], name="round_path_idx")]
        verbose_name = _("核酸检测轮次")
        verbose_name_plural = _("核酸检测轮次")

    def __str__(self) -> str:
        return self.name

    @property
    def capacity(self) -> int:
        return CAPACITY[Mode(self.mode)]


class SamplingPoint(models.Model):
    """采样点 with its address, hours and stations (采样台)."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="points")
    node = models.ForeignKey(
        "grids.GridNode", verbose_name=_("所在网格/小区"), on_delete=models.PROTECT, related_name="+"
    )
    node_path = BinaryCharField(max_length=255)
    name = models.CharField(_("名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200)
    opens_at = models.DateTimeField(_("开放时间"))
    closes_at = models.DateTimeField(_("关闭时间"))
    stations = models.PositiveSmallIntegerField(_("采样台数"), default=1)
    # A public page shows its queue right now (people sampled in the last 15 minutes against the
    # people expected in the current slot); reached by this key, not by the id.
    public_key = models.CharField(max_length=24, unique=True)

    class Meta:
        ordering = ["round", "name", "id"]
        verbose_name = _("采样点")
        verbose_name_plural = _("采样点")

    def __str__(self) -> str:
        return self.name


class PointSlot(models.Model):
    """A grid assigned to a point, with its time slot (分时段错峰)."""

    point = models.ForeignKey(SamplingPoint, on_delete=models.CASCADE, related_name="slots")
    grid = models.ForeignKey(
        "grids.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    grid_path = BinaryCharField(max_length=255)
    starts_at = models.DateTimeField(_("时段开始"))
    ends_at = models.DateTimeField(_("时段结束"))
    expected = models.PositiveIntegerField(_("应检人数"), default=0)

    class Meta:
        ordering = ["point", "starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["point", "grid"], name="one_slot_per_point_grid")]
        verbose_name = _("采样时段")
        verbose_name_plural = _("采样时段")

    def __str__(self) -> str:
        return f"{self.grid_id} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class PointStaff(models.Model):
    class Duty(models.TextChoices):
        SAMPLER = "sampler", _("采样员")
        LEADER = "leader", _("点位负责人")
        DOOR = "door", _("上门采样组")

    point = models.ForeignKey(SamplingPoint, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    duty = models.CharField(_("职责"), max_length=10, choices=Duty.choices, default=Duty.SAMPLER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["point", "user"], name="one_duty_per_point_user")]
        verbose_name = _("采样人员")
        verbose_name_plural = _("采样人员")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.get_duty_display()}"


class EnrollmentState(models.TextChoices):
    DUE = "due", _("应检")
    EXEMPT = "exempt", _("免检")


class ExemptReason(models.TextChoices):
    AWAY = "away", _("外出")
    INFANT = "infant", _("婴幼儿")
    CENTRAL = "central", _("集中隔离（按管控安排检测）")
    MANUAL = "manual", _("其他（人工免检）")


class MissingReason(models.TextChoices):
    AWAY = "away", _("外出")
    REFUSED = "refused", _("拒绝")
    ELSEWHERE = "elsewhere", _("已在外地检测（有凭证）")
    DOOR = "door", _("需上门采样")
    OTHER = "other", _("其他")


class Result(models.TextChoices):
    PENDING = "", _("待出结果")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")
    INVALID = "invalid", _("无效（需重采）")


class Enrollment(models.Model):
    """应检名单: one row per person in a round (drawn at the opening; walk-ins and persons who move in
    are added). The coverage of any node is a count over ``(round, node_path)``."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    node_path = BinaryCharField(max_length=255)
    household_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=8, choices=EnrollmentState.choices, default=EnrollmentState.DUE
    )
    exempt_reason = models.CharField(_("免检原因"), max_length=10, choices=ExemptReason.choices, blank=True)
    is_new = models.BooleanField(_("现场新登记"), default=False)
    needs_door = models.BooleanField(_("需上门采样"), default=False)
    sampled_at = models.DateTimeField(_("采样时间"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, blank=True, default="")
    missing_reason = models.CharField(_("未检原因"), max_length=10, choices=MissingReason.choices, blank=True)
    reason_note = models.CharField(_("原因说明"), max_length=200, blank=True)
    reason_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    reason_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="one_enrollment_per_round")]
        indexes = [models.Index(fields=["round", "node_path", "state"], name="enrol_path_idx")]
        verbose_name = _("应检人员")
        verbose_name_plural = _("应检人员")

    def __str__(self) -> str:
        return f"{self.person_id} · {self.get_state_display()}"


class PersonCode(models.Model):
    """核酸码 of a person who had it reissued: the code carries the version, and a code of an older
    version no longer works. A person with no row has version 0."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    version = models.PositiveIntegerField(default=0)
    reissued_at = models.DateTimeField()
    reissued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("核酸码")
        verbose_name_plural = _("核酸码")

    def __str__(self) -> str:
        return f"{self.person_id} v{self.version}"


class TubeStatus(models.TextChoices):
    OPEN = "open", _("采样中")
    CLOSED = "closed", _("已封管")
    PACKED = "packed", _("已装箱")
    RECEIVED = "received", _("实验室已接收")
    RESULTED = "resulted", _("已出结果")


class TransportBox(models.Model):
    """转运箱: closed tubes handed to a courier for a lab together."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(SamplingPoint, on_delete=models.PROTECT, related_name="boxes")
    code = models.CharField(_("箱号"), max_length=40)
    courier = models.CharField(_("转运人"), max_length=40)
    lab = models.CharField(_("送检机构"), max_length=80, blank=True)
    handed_at = models.DateTimeField(_("交接时间"))
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-handed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["round", "code"], name="one_box_code_per_round")]
        verbose_name = _("转运箱")
        verbose_name_plural = _("转运箱")

    def __str__(self) -> str:
        return self.code


# HOT_PATH_KEYS: the rows a scan writes (tubes, samples, scans) keep their foreign keys without a
# database constraint (db_constraint=False; Django's ORM still cascades, protects or nulls them on
# delete, and persons are never deleted, only moved out). On PostgreSQL each constrained key costs a
# check query per row at COMMIT that locks the row it points at (FOR KEY SHARE): three to four per
# scan, a thousand scans a batch, and every batch locking the same round, point and user, which made
# concurrent COMMITs take seconds. The scan service writes only ids it has read, locked or made in
# the same transaction (scans.py).

class Tube(models.Model):
    """采样管. ``used`` places change only by a conditional UPDATE (never over ``capacity``)."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+", db_index=False,
                              db_constraint=False)  # see HOT_PATH_KEYS
    point = models.ForeignKey(
        SamplingPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    node_path = BinaryCharField(max_length=255)  # the point's node (a door-to-door tube: the grid's)
    code = models.CharField(_("管码"), max_length=40, unique=True)
    mode = models.CharField(_("采样方式"), max_length=10, choices=Mode.choices)
    capacity = models.PositiveSmallIntegerField(_("容量"))
    used = models.PositiveSmallIntegerField(_("已采人数"), default=0)
    household_id = models.BigIntegerField(null=True, blank=True)  # a one-tube-per-household tube
    is_retest = models.BooleanField(_("复核单采"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=TubeStatus.choices, default=TubeStatus.OPEN)
    opened_at = models.DateTimeField(_("开管时间"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    closed_at = models.DateTimeField(_("封管时间"), null=True, blank=True)
    box = models.ForeignKey(
        TransportBox, null=True, blank=True, on_delete=models.SET_NULL, related_name="tubes"
    )
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, blank=True, default="")
    tested_at = models.DateTimeField(_("检测时间"), null=True, blank=True)
    result_at = models.DateTimeField(_("结果录入时间"), null=True, blank=True)
    lab = models.CharField(_("检测机构"), max_length=80, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["round", "status", "closed_at"], name="tube_round_idx"),
            models.Index(fields=["point", "status"], name="tube_point_idx"),
        ]
        verbose_name = _("采样管")
        verbose_name_plural = _("采样管")

    def __str__(self) -> str:
        return self.code


class Sample(models.Model):
    """A person in a tube. One per person and round (a recall's single-tube retest aside)."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+", db_index=False,
                              db_constraint=False)  # see HOT_PATH_KEYS
    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="samples", db_constraint=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    node_path = BinaryCharField(max_length=255)  # the person's node
    is_retest = models.BooleanField(default=False)
    cross_area = models.BooleanField(_("跨区域"), default=False)
    sampled_at = models.DateTimeField(_("采样时间"))  # the device's time of the scan
    received_at = models.DateTimeField(_("上传时间"))
    sampler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    device = models.CharField(_("设备"), max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"], condition=models.Q(is_retest=False), name="one_sample_per_round"
            )
        ]
        # a subtree's first samples by the hour, read from the index alone (the coverage page's chart)
        indexes = [
            models.Index(
                fields=["round", "node_path", "sampled_at"], condition=models.Q(is_retest=False),
                name="sample_hour_idx",
            )
        ]
        verbose_name = _("采样记录")
        verbose_name_plural = _("采样记录")

    def __str__(self) -> str:
        return f"{self.person_id} → {self.tube_id}"


class Scan(models.Model):
    """The answer given to one client-made scan id: a retry gets the same answer, never a second
    sample. ``outcome`` is a code (accepted, repeat, already_sampled, tube_full …)."""

    client_id = models.CharField(max_length=64)  # unique: Meta (no pattern index beside it on PostgreSQL)
    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+", db_index=False,
                              db_constraint=False)  # see HOT_PATH_KEYS
    point = models.ForeignKey(
        SamplingPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    tube_code = models.CharField(max_length=40)
    code = models.CharField(max_length=64)  # what was scanned: a person's code or an identity number
    device = models.CharField(max_length=64, blank=True)
    device_time = models.DateTimeField()
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=20)
    message = models.CharField(max_length=200, blank=True)
    sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )

    class Meta:
        # A constraint, not unique=True: on PostgreSQL Django would add a second, LIKE-pattern index on the
        # column, one more index written per scan for look-ups by prefix that nothing makes.
        constraints = [models.UniqueConstraint(fields=["client_id"], name="one_scan_per_client_id")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.outcome}"


class SampleMove(models.Model):
    """A person moved from one tube to another (a mistake at the point), recorded."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="moves")
    from_tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="+")
    to_tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.sample_id}: {self.from_tube_id} → {self.to_tube_id}"


class ScanConflict(models.Model):
    """Two devices that put the same person in two tubes (offline): the scan the server took first
    stands, the other is refused as already sampled; the point's leader sees both here."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(
        SamplingPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kept = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="+")
    refused = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.person_id} · {self.refused_id}"


class RecallStatus(models.TextChoices):
    OPEN = "open", _("待复核")
    SAMPLED = "sampled", _("已单采")
    NEGATIVE = "negative", _("复核阴性")
    POSITIVE = "positive", _("复核阳性")


class Recall(models.Model):
    """复核: a member of a positive pool, to be retested in a single tube."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    node_path = BinaryCharField(max_length=255)
    household_id = models.BigIntegerField(null=True, blank=True)
    pool = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="+")
    retest_tube = models.ForeignKey(Tube, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=RecallStatus.choices, default=RecallStatus.OPEN
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    order_id = models.BigIntegerField(null=True, blank=True)  # the control order a positive retest made

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pool", "person"], name="one_recall_per_pool_person")]
        indexes = [models.Index(fields=["round", "node_path", "status"], name="recall_path_idx")]
        verbose_name = _("复核")
        verbose_name_plural = _("复核")

    def __str__(self) -> str:
        return f"{self.person_id} · {self.get_status_display()}"


class HouseholdMark(models.Model):
    """A household with a member in an open recall (marked on its page until the recall closes)."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+")
    household_id = models.BigIntegerField()
    node_path = BinaryCharField(max_length=255)
    marked_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "household_id"], name="one_mark_per_household")
        ]

    def __str__(self) -> str:
        return f"{self.household_id}"
