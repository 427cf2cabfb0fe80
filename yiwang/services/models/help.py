"""Help requests (帮办代办): a resident's matter taken by a village worker or at a service
station, through the steps 委托 → 受理 → 办理 → 送达 → 归档 → 回访, each with who and
when, on a working-day clock from the item's time limit; a tracking code for the
resident's public page. The resident's identity is personal data: masked on every page,
revealed with a reason (HelpReveal), audited."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.masking import mask_id_number, mask_phone
from yiwang.core.models import ScopedModel
from yiwang.services.models.catalogue import ServiceItem, ServiceMaterial


class Step(models.TextChoices):
    """The steps in their order (STEP_ORDER); a request is at the last step done."""

    ENTRUSTED = "entrusted", _("Entrusted")  # 委托
    ACCEPTED = "accepted", _("Accepted")  # 受理
    PROCESSING = "processing", _("Being handled")  # 办理
    DELIVERED = "delivered", _("Delivered")  # 送达
    ARCHIVED = "archived", _("Archived")  # 归档
    FOLLOWED_UP = "followed_up", _("Followed up")  # 回访


STEP_ORDER: tuple[str, ...] = tuple(Step.values)


class Channel(models.TextChoices):
    WORKER = "worker", _("Taken by a village worker")
    STATION = "station", _("At a service station")
    PHONE = "phone", _("By telephone")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class EscalationLevel(models.IntegerChoices):
    STATION = 0, _("The service station")
    TOWN = 1, _("The town")
    COUNTY = 2, _("The county")


class HelpRequest(ScopedModel):
    """A help request (`area_code`: the resident's unit, or the village when not in the
    ledger). `due_on` is the item's time limit in working days from acceptance; overdue,
    it is raised a level (station → town → county), once a level, and marked late for
    good."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="requests"
    )
    channel = models.CharField(
        _("taken"), max_length=10, choices=Channel.choices, default=Channel.WORKER
    )
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_requests",
    )
    # The applicant as they gave themselves: personal data, masked when shown.
    applicant_name = models.CharField(_("applicant"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    matter = models.TextField(_("the matter"), blank=True)
    step = models.CharField(_("step"), max_length=12, choices=Step.choices, default=Step.ENTRUSTED)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # The due day reaches into a year whose holidays are not known yet: counted by the
    # weekly rule for now, again when the county enters the year.
    clock_provisional = models.BooleanField(
        _("due day provisional"), default=False, db_default=False
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False, db_default=False)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalated to"), choices=EscalationLevel.choices, default=EscalationLevel.STATION
    )
    reminded_on = models.DateField(_("reminded of"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    satisfaction_note = models.CharField(_("about the satisfaction"), max_length=200, blank=True)
    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The worker who answers for it (首问负责): the one who took it unless handed over.
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["step", "due_on"], name="services_help_step_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("accepted_on")),
                name="services_help_due_after_acceptance",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_open(self) -> bool:
        """Not delivered yet: the clock runs."""
        return STEP_ORDER.index(self.step) < STEP_ORDER.index(Step.DELIVERED)


class HelpStep(models.Model):
    """A step done: who, when, and a note."""

    request = models.ForeignKey(
        HelpRequest, verbose_name=_("help request"), on_delete=models.CASCADE, related_name="steps"
    )
    step = models.CharField(_("step"), max_length=12, choices=Step.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["request", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="services_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.get_step_display()}"


class HelpMaterial(models.Model):
    """A material received from the resident (one of the item's, or another), with the
    number of the document when it carries one (personal data, masked)."""

    request = models.ForeignKey(
        HelpRequest,
        verbose_name=_("help request"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    material = models.ForeignKey(
        ServiceMaterial,
        verbose_name=_("material"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("material"), max_length=100)
    document_number = models.CharField(_("document number"), max_length=40, blank=True)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Handed back to the resident (originals), or forwarded with the request.
    returned_at = models.DateTimeField(_("handed back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("material received")
        verbose_name_plural = _("materials received")
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "material"],
                condition=Q(material__isnull=False),
                name="services_material_received_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_document_number(self) -> str:
        value = self.document_number
        if len(value) <= 4:
            return "*" * len(value)
        return value[:2] + "*" * (len(value) - 4) + value[-2:]


class HelpReveal(ScopedModel):
    """Someone looked at a help request's personal data in full, and why."""

    request = models.ForeignKey(
        HelpRequest,
        verbose_name=_("help request"),
        on_delete=models.CASCADE,
        related_name="reveals",
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
        return f"{self.user} → {self.request} ({self.field})"
