from __future__ import annotations

from django.conf import settings
from django.db import models

from gridguard.core.identity import ID_TYPE_CHOICES, ID_TYPE_RESIDENT
from gridguard.core.paths import BinaryCharField


class Tag(models.Model):
    """A special group (特殊人群). Stored on Person as one bit of ``tags`` so counts are one scan."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30, unique=True)
    bit = models.PositiveSmallIntegerField("位", unique=True)
    aliases = models.CharField("别名（逗号分隔）", max_length=200, blank=True)

    class Meta:
        ordering = ["bit"]
        verbose_name = "特殊人群标签"
        verbose_name_plural = "特殊人群标签"

    def __str__(self) -> str:
        return self.name

    @property
    def mask(self) -> int:
        return 1 << self.bit


class Stamped(models.Model):
    created_at = models.DateTimeField("创建时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField("修改时间")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        abstract = True


class Household(Stamped):
    node = models.ForeignKey("grids.GridNode", verbose_name="所在网格/楼栋", on_delete=models.PROTECT)
    node_path = BinaryCharField(max_length=255)
    room = models.CharField("房号", max_length=40, blank=True)
    address = models.CharField("地址", max_length=255)
    head = models.ForeignKey(
        "Person", verbose_name="户主", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_rental = models.BooleanField("出租房", default=False)
    landlord_name = models.CharField("房东姓名", max_length=40, blank=True)
    landlord_phone = models.CharField("房东电话", max_length=20, blank=True)
    is_active = models.BooleanField("有效", default=True)
    import_job_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["node_path", "id"], name="household_path_idx"),
            models.Index(fields=["node", "room"], name="household_addr_idx"),
        ]
        verbose_name = "户"
        verbose_name_plural = "户"

    def __str__(self) -> str:
        return self.address


class Residency(models.TextChoices):
    REGISTERED = "registered", "户籍"
    RESIDENT = "resident", "常住"
    FLOATING = "floating", "流动"
    TEMPORARY = "temporary", "暂住"
    AWAY = "away", "外出"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    TENANT = "tenant", "租户"
    OTHER = "other", "其他"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    MOVED_OUT = "moved_out", "已迁出"
    DECEASED = "deceased", "已死亡"


class Person(Stamped):
    household = models.ForeignKey(
        Household,
        verbose_name="所在户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    node = models.ForeignKey(
        "grids.GridNode", verbose_name="所属网格", on_delete=models.PROTECT, db_index=False
    )
    node_path = BinaryCharField(max_length=255)
    name = BinaryCharField("姓名", max_length=60)
    name_initials = BinaryCharField("拼音首字母", max_length=60)
    id_type = models.CharField("证件类型", max_length=10, choices=ID_TYPE_CHOICES, default=ID_TYPE_RESIDENT)
    id_number = BinaryCharField("证件号码", max_length=40, blank=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = BinaryCharField("联系电话", max_length=20, blank=True)
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices, default=Relation.OTHER)
    residency = models.CharField(
        "居住类型", max_length=12, choices=Residency.choices, default=Residency.REGISTERED
    )
    tags = models.BigIntegerField("特殊人群", default=0)
    is_party_member = models.BooleanField("党员", default=False)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    note = models.CharField("备注", max_length=200, blank=True)
    import_job_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["node_path", "id"], name="person_path_idx"),
            models.Index(fields=["id_number"], name="person_idno_idx"),
            models.Index(fields=["phone"], name="person_phone_idx"),
            models.Index(fields=["name"], name="person_name_idx"),
            models.Index(fields=["name_initials"], name="person_initials_idx"),
        ]
        verbose_name = "人员"
        verbose_name_plural = "人员"

    def __str__(self) -> str:
        return self.name


class PersonEvent(models.Model):
    """A dated change in a person's life or record. History is kept here, never overwritten."""

    class Kind(models.TextChoices):
        REGISTER = "register", "登记"
        BIRTH = "birth", "出生"
        DEATH = "death", "死亡"
        MOVE_IN = "move_in", "迁入"
        MOVE_OUT = "move_out", "迁出"
        TRANSFER = "transfer", "户内变动"
        EDIT = "edit", "修改信息"
        REGRID = "regrid", "网格调整"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    date = models.DateField("日期")
    household_from = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    household_to = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField("变更内容", default=dict, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("记录时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "人员变动"
        verbose_name_plural = "人员变动"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class HouseholdEvent(models.Model):
    """A dated change of a household: registered, moved to another grid (regridding), edited."""

    class Kind(models.TextChoices):
        REGISTER = "register", "登记"
        REGRID = "regrid", "网格调整"
        EDIT = "edit", "修改信息"
        DISSOLVE = "dissolve", "注销"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    date = models.DateField("日期")
    changes = models.JSONField("变更内容", default=dict, blank=True)
    at = models.DateTimeField("记录时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "户变动"
        verbose_name_plural = "户变动"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    SHOP = "shop", "商户"
    SCHOOL = "school", "学校"
    NURSING_HOME = "nursing_home", "养老院"
    MARKET = "market", "农贸市场"
    HOTEL = "hotel", "宾馆"
    PHARMACY = "pharmacy", "药店"
    CLINIC = "clinic", "医疗机构"
    RESTAURANT = "restaurant", "餐饮"
    SUPERMARKET = "supermarket", "商超"
    CONSTRUCTION = "construction", "建筑工地"
    GOVERNMENT = "government", "机关事业单位"
    RELIGIOUS = "religious", "宗教场所"
    OTHER = "other", "其他"


class Organization(Stamped):
    node = models.ForeignKey("grids.GridNode", verbose_name="所属网格", on_delete=models.PROTECT)
    node_path = BinaryCharField(max_length=255)
    name = BinaryCharField("名称", max_length=120)
    name_initials = BinaryCharField("拼音首字母", max_length=120, blank=True)
    kind = models.CharField("类型", max_length=20, choices=OrganizationKind.choices)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    contact_name = models.CharField("负责人", max_length=40, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    employees = models.PositiveIntegerField("从业人数", null=True, blank=True)
    is_key_place = models.BooleanField("重点场所", default=False)
    is_active = models.BooleanField("在营", default=True)
    import_job_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["node_path", "id"], name="org_path_idx"),
            models.Index(fields=["name"], name="org_name_idx"),
        ]
        verbose_name = "单位/场所"
        verbose_name_plural = "单位/场所"

    def __str__(self) -> str:
        return self.name
