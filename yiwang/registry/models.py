"""The ledger: households by unit, their residents, tags, life events and migrants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.core.masking import mask_birth_date, mask_id_number, mask_phone
from yiwang.core.models import ScopedModel, TimeStampedModel


class TagCategory(models.TextChoices):
    ELDERLY = "elderly", _("Elderly")
    ASSISTANCE = "assistance", _("Social assistance")
    HEALTH = "health", _("Illness and disability")
    PETITION = "petition", _("Petitions")
    CHILDREN = "children", _("Children")
    MIGRANT = "migrant", _("Migrants")
    OTHER = "other", _("Other")


class Tag(TimeStampedModel):
    """A label that decides who needs care; configured by a county admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=TagCategory.choices)
    makes_key_household = models.BooleanField(_("makes a key household"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class HouseholdCategory(models.TextChoices):
    KEY = "key", _("Key household")
    ORDINARY = "ordinary", _("Ordinary household")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MOVED_OUT = "moved_out", _("Moved out")
    DISSOLVED = "dissolved", _("Dissolved")


class Household(ScopedModel):
    """A household of one unit; `area_code` is the unit's code."""

    unit = models.ForeignKey(
        "areas.Area", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="households"
    )
    number = models.CharField(_("household number"), max_length=30)
    address = models.CharField(_("address"), max_length=200, blank=True)
    door_number = models.CharField(_("door number"), max_length=30, blank=True)
    # The category in force: derived from the members' tags unless overridden with a reason.
    category = models.CharField(
        _("category"),
        max_length=10,
        choices=HouseholdCategory.choices,
        default=HouseholdCategory.ORDINARY,
        db_index=True,
    )
    category_override = models.CharField(
        _("category set by hand"), max_length=10, choices=HouseholdCategory.choices, blank=True
    )
    category_reason = models.CharField(_("reason for the category"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["area_code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="household_number_per_unit"),
            models.CheckConstraint(
                condition=Q(category_override="") | ~Q(category_reason=""),
                name="household_override_has_reason",
            ),
        ]
        indexes = [
            # Roll-ups of key households by area prefix.
            models.Index(fields=["category", "area_code"], name="household_category_area_idx"),
        ]

    def __str__(self) -> str:
        # The number is unique within the unit, which the pages name beside it.
        return gettext("Household %(n)s") % {"n": self.number}

    @property
    def head(self) -> Resident | None:
        return self.residents.filter(relation=Relation.HEAD, status=ResidentStatus.LIVING).first()


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    CHILD_IN_LAW = "child_in_law", _("Child-in-law")
    GRANDCHILD = "grandchild", _("Grandchild")
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class ResidentStatus(models.TextChoices):
    LIVING = "living", _("Living here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Resident(ScopedModel):
    """A person of the ledger. `area_code` is the unit of their household."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="residents"
    )
    name = models.CharField(_("name"), max_length=50)
    # Pinyin initials of the name (张三 → zs), for search as staff type it.
    name_initials = models.CharField(_("name initials"), max_length=50, blank=True)
    # The 18-character citizen ID number (公民身份号码), empty when unknown.
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    # The last four characters of the ID number, for search by tail on an index.
    id_tail = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_tail = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
    relation = models.CharField(_("relation to the head"), max_length=15, choices=Relation.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ResidentStatus.choices, default=ResidentStatus.LIVING
    )

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["area_code", "household_id", "id"]
        permissions = [
            ("reveal_personal_data", _("Can reveal ID and phone numbers, with a reason")),
            ("export_personal_data", _("Can export ID and phone numbers in full")),
        ]
        constraints = [
            # The ID number is the key of a person; several people may lack one.
            models.UniqueConstraint(
                fields=["id_number"], condition=~Q(id_number=""), name="resident_unique_id_number"
            ),
            # Exactly one head among a household's living members: at most one here, and
            # the services never leave a household without one.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", status="living"),
                name="household_one_living_head",
            ),
        ]
        indexes = [
            # Search by the start of the name (yiwang.registry.selectors.search_q), and
            # likely duplicates (same name in a unit). The area code is in the index so
            # that a count of the matches within a scope reads the index alone.
            # PostgreSQL: `varchar_pattern_ops` serves LIKE '张%' whatever the database's
            # collation, and equality too; SQLite ignores opclasses (plain B-tree, which
            # serves the range the selector uses there).
            models.Index(
                fields=["name", "area_code"],
                name="resident_name_area_idx",
                opclasses=["varchar_pattern_ops", "varchar_ops"],
            ),
            # Search by the start of the pinyin initials (a range on plain comparisons).
            models.Index(fields=["name_initials", "area_code"], name="resident_initials_area_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.id_tail = self.id_number[-4:]
        self.phone_tail = self.phone[-4:]
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_birth_date(self) -> str:
        """The year only for someone with an ID number: the full date is eight of the ID's
        masked digits. Without an ID number the date gives nothing away."""
        return mask_birth_date(self.birth_date, self.id_number)


class ResidentNameChar(models.Model):
    """Each distinct character of a resident's name, with their area code: the index of
    one-character search (`yiwang.registry.selectors.search`). Kept by database triggers
    in step with every write of the residents (registry migration 0006, which makes the
    table): read it, never write it."""

    pk = models.CompositePrimaryKey("ch", "area_code", "resident")
    ch = models.CharField(max_length=1)
    area_code = models.CharField(max_length=18)
    resident = models.ForeignKey(
        Resident, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        managed = False
        db_table = "registry_resident_name_char"

    def __str__(self) -> str:
        return self.ch


class ResidentTagQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gt=on))


class ResidentTag(models.Model):
    """A tag a resident carries from `starts_on` until the day before `ends_on`."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="tags"
    )
    tag = models.ForeignKey(Tag, verbose_name=_("tag"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # Copies of the resident's unit code and of whether they live there now, so that the
    # roll-up counts tags without reading the residents. Kept by database triggers
    # (migration 0004), whatever writes the rows: never set them in code.
    area_code = models.CharField(max_length=18, blank=True, db_default="", editable=False)
    resident_living = models.BooleanField(db_default=False, editable=False)

    objects = ResidentTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident tag")
        verbose_name_plural = _("resident tags")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="resident_tag_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["tag", "ends_on"], name="resident_tag_current_idx"),
            # The roll-up of current tags by area (yiwang.registry.selectors.ledger_rollup),
            # read from the index alone.
            models.Index(
                fields=["tag", "area_code", "resident", "starts_on", "ends_on"],
                condition=Q(resident_living=True),
                name="resident_tag_rollup_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.tag}"


class LedgerTally(models.Model):
    """Per unit: its active households, active key households and living residents.

    A summary kept by database triggers (migration 0004) on every insert, update and
    delete of households and residents — by the services, the importer, the demo or
    anything else — so that a roll-up of a county sums one row per unit instead of
    reading every household and resident. Never written by code.
    """

    area_code = models.CharField(_("area code"), max_length=18, primary_key=True)
    households = models.IntegerField(_("active households"), db_default=0)
    key_households = models.IntegerField(_("key households"), db_default=0)
    residents = models.IntegerField(_("living residents"), db_default=0)

    class Meta:
        verbose_name = _("ledger tally")
        verbose_name_plural = _("ledger tallies")

    def __str__(self) -> str:
        return self.area_code


class LifeEventKind(models.TextChoices):
    MOVE_IN = "move_in", _("Moved in")
    MOVE_OUT = "move_out", _("Moved out")
    TRANSFER = "transfer", _("Transferred")
    BIRTH = "birth", _("Born")
    DEATH = "death", _("Died")
    HEAD_CHANGE = "head_change", _("Became head of household")


class LifeEvent(ScopedModel):
    """What happened to a resident, where: who lived where, when, stays answerable.

    `area_code` is where it happened (the new unit for a transfer); `from_area_code` the
    unit left behind, so that both villages see a transfer in their history.
    """

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=15, choices=LifeEventKind.choices)
    on = models.DateField(_("date"), default=timezone.localdate)
    from_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_area_code = models.CharField(_("from area"), max_length=18, blank=True, db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        ordering = ["resident", "on", "id"]

    def __str__(self) -> str:
        return f"{self.resident} {self.get_kind_display()} {self.on}"

    @property
    def shown_on(self) -> str:
        """The date as lists show it: a birth's is the resident's birth date, masked as
        that is (the year only beside an ID number, whose hidden digits it would give)."""
        if self.kind == LifeEventKind.BIRTH:
            return mask_birth_date(self.on, self.resident.id_number)
        return self.on.isoformat()


class Migrant(ScopedModel):
    """Someone from elsewhere living here for a while (外来人员); `area_code` is the unit."""

    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    origin = models.CharField(_("where from"), max_length=200)
    arrived_on = models.DateField(_("arrival date"))
    expected_until = models.DateField(_("expected to stay until"), null=True, blank=True)
    host_household = models.ForeignKey(
        Household,
        verbose_name=_("host household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="migrants",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("migrant")
        verbose_name_plural = _("migrants")
        ordering = ["area_code", "arrived_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(host_household=None) | ~Q(address=""),
                name="migrant_has_host_or_address",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Reveal(ScopedModel):
    """Someone looked at a resident's full ID or phone number, and why."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="reveals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("field"), max_length=20)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("reveal")
        verbose_name_plural = _("reveals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.resident} ({self.field})"
