from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridguard.core.identity import ID_TYPE_CHOICES, ID_TYPE_RESIDENT
from gridguard.core.paths import BinaryCharField


class Tag(models.Model):
    """A special group (特殊人群). Stored on Person as one bit of ``tags`` so counts are one scan."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    bit = models.PositiveSmallIntegerField(_("位"), unique=True)
    aliases = models.CharField(_("别名（逗号分隔）"), max_length=200, blank=True)
    is_sensitive = models.BooleanField(
        _("敏感（不上公示牌）"),
        default=False,
        help_text=_("敏感人群（如社区矫正、严重精神障碍）的人数不在网格公示牌上公开"),
    )

    class Meta:
        ordering = ["bit"]
        verbose_name = _("特殊人群标签")
        verbose_name_plural = _("特殊人群标签")

    def __str__(self) -> str:
        return gettext(self.name)  # the shipped group names are in the catalogue; others show as typed

    @property
    def mask(self) -> int:
        return 1 << self.bit


class Stamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"))
    # Who wrote the row: no constraint in the database (Django still sets it NULL when the user is
    # deleted). A deferred check per inserted row would cost a bulk import a third of its time.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    updated_at = models.DateTimeField(_("修改时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        abstract = True


class Household(Stamped):
    # No index of its own: household_addr_idx (node, room) serves every lookup by node.
    node = models.ForeignKey(
        "grids.GridNode", verbose_name=_("所在网格/楼栋"), on_delete=models.PROTECT, db_index=False
    )
    node_path = BinaryCharField(max_length=255)
    room = models.CharField(_("房号"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=255)
    head = models.ForeignKey(
        "Person", verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_rental = models.BooleanField(_("出租房"), default=False)
    landlord_name = models.CharField(_("房东姓名"), max_length=40, blank=True)
    landlord_phone = models.CharField(_("房东电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    import_job_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["node_path", "id"], name="household_path_idx"),
            models.Index(fields=["node", "room"], name="household_addr_idx"),
        ]
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        return self.address


class Residency(models.TextChoices):
    REGISTERED = "registered", _("户籍")
    RESIDENT = "resident", _("常住")
    FLOATING = "floating", _("流动")
    TEMPORARY = "temporary", _("暂住")
    AWAY = "away", _("外出")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已死亡")


class Person(Stamped):
    household = models.ForeignKey(
        Household,
        verbose_name=_("所在户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    node = models.ForeignKey(
        "grids.GridNode", verbose_name=_("所属网格"), on_delete=models.PROTECT, db_index=False
    )
    node_path = BinaryCharField(max_length=255)
    name = BinaryCharField(_("姓名"), max_length=60)
    name_initials = BinaryCharField(_("拼音首字母"), max_length=60)
    id_type = models.CharField(_("证件类型"), max_length=10, choices=ID_TYPE_CHOICES, default=ID_TYPE_RESIDENT)
    id_number = BinaryCharField(_("证件号码"), max_length=40, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = BinaryCharField(_("联系电话"), max_length=20, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices, default=Relation.OTHER)
    residency = models.CharField(_("居住类型"), max_length=12, choices=Residency.choices, default=Residency.REGISTERED
    )
    tags = models.BigIntegerField(_("特殊人群"), default=0)
    is_party_member = models.BooleanField(_("党员"), default=False)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    import_job_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["node_path", "id"], name="person_path_idx"),
            models.Index(fields=["id_number"], name="person_idno_idx"),
            models.Index(fields=["phone"], name="person_phone_idx"),
            models.Index(fields=["name", "id"], name="person_name_id_idx"),
            models.Index(fields=["name_initials", "id"], name="person_initials_id_idx"),
        ]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name


class PersonEvent(models.Model):
    """A dated change in a person's life or record. History is kept here, never overwritten."""

    class Kind(models.TextChoices):
        REGISTER = "register", _("登记")
        BIRTH = "birth", _("出生")
        DEATH = "death", _("死亡")
        MOVE_IN = "move_in", _("迁入")
        MOVE_OUT = "move_out", _("迁出")
        TRANSFER = "transfer", _("户内变动")
        EDIT = "edit", _("修改信息")
        REGRID = "regrid", _("网格调整")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("日期"))
    household_from = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    household_to = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("人员变动")
        verbose_name_plural = _("人员变动")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class HouseholdEvent(models.Model):
    """A dated change of a household: registered, moved to another grid (regridding), edited."""

    class Kind(models.TextChoices):
        REGISTER = "register", _("登记")
        REGRID = "regrid", _("网格调整")
        EDIT = "edit", _("修改信息")
        DISSOLVE = "dissolve", _("注销")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("日期"))
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("户变动")
        verbose_name_plural = _("户变动")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SHOP = "shop", _("商户")
    SCHOOL = "school", _("学校")
    NURSING_HOME = "nursing_home", _("养老院")
    MARKET = "market", _("农贸市场")
    HOTEL = "hotel", _("宾馆")
    PHARMACY = "pharmacy", _("药店")
    CLINIC = "clinic", _("医疗机构")
    RESTAURANT = "restaurant", _("餐饮")
    SUPERMARKET = "supermarket", _("商超")
    CONSTRUCTION = "construction", _("建筑工地")
    GOVERNMENT = "government", _("机关事业单位")
    RELIGIOUS = "religious", _("宗教场所")
    OTHER = "other", _("其他")


class Organization(Stamped):
    node = models.ForeignKey("grids.GridNode", verbose_name=_("所属网格"), on_delete=models.PROTECT)
    node_path = BinaryCharField(max_length=255)
    name = BinaryCharField(_("名称"), max_length=120)
    name_initials = BinaryCharField(_("拼音首字母"), max_length=120, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrganizationKind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("负责人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    is_key_place = models.BooleanField(_("重点场所"), default=False)
    is_active = models.BooleanField(_("在营"), default=True)
    import_job_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["node_path", "id"], name="org_path_idx"),
            models.Index(fields=["name"], name="org_name_idx"),
        ]
        verbose_name = _("单位/场所")
        verbose_name_plural = _("单位/场所")

    def __str__(self) -> str:
        return self.name
