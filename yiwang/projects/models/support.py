"""Enterprise support: the finance-counsellor teams (金融辅导队), whose members are the
sponsors of outreach's `finance_counsellors` programme, and the enterprises' requests
(企业诉求) on Shandong's working-day clock: verifying begun within 1 working day, a reply
within 3, resolved within 15, at most 30 with a reason."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel


class CounsellorTeam(TimeStampedModel):
    """A finance-counsellor team of bank staff. Its enterprises are those paired, under
    outreach's finance-counsellor programme, with one of its members."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    bank = models.CharField(_("bank"), max_length=60)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="counsellor_teams",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("finance-counsellor team")
        verbose_name_plural = _("finance-counsellor teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RequestKind(models.TextChoices):
    FINANCE = "finance", _("Financing")
    LAND = "land", _("Land")
    LABOUR = "labour", _("Labour")
    APPROVAL = "approval", _("Approvals")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFYING = "verifying", _("Being verified")
    REPLIED = "replied", _("Replied")
    RESOLVED = "resolved", _("Resolved")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class EscalationLevel(models.IntegerChoices):
    DEPARTMENT = 0, _("The department")
    TOWN = 1, _("The town")
    COUNTY = 2, _("The county's command post")


class EnterpriseRequest(ScopedModel):
    """An enterprise's request (`area_code`: the enterprise's), handled by a department.
    The due days are set when it is received, counted in working days; each stage that
    ends after its due day is marked late for good. A stage overdue raises the request a
    level (department → town → county), once a level."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        "outreach.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    text = models.TextField(_("request"))
    department = models.ForeignKey(
        "cases.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="enterprise_requests",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    received_on = models.DateField(_("received on"))
    verify_due = models.DateField(_("verifying due"))
    reply_due = models.DateField(_("reply due"))
    resolve_due = models.DateField(_("resolution due"))
    # The due days reach into a year whose holidays are not known yet: counted by the
    # weekly rule for now, and again when the county enters the year.
    clock_provisional = models.BooleanField(
        _("due days provisional"), default=False, db_default=False
    )
    # Resolution extended (at most to 30 working days), with its reason.
    extension_reason = models.CharField(_("reason for the extension"), max_length=200, blank=True)
    verified_on = models.DateField(_("verifying begun on"), null=True, blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    verify_late = models.BooleanField(_("verifying late"), default=False, db_default=False)
    reply_late = models.BooleanField(_("reply late"), default=False, db_default=False)
    resolve_late = models.BooleanField(_("resolution late"), default=False, db_default=False)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalated to"), choices=EscalationLevel.choices, default=EscalationLevel.DEPARTMENT
    )
    # The due day the handlers were last reminded of: one reminder per due day.
    reminded_on = models.DateField(_("reminded of"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    satisfaction_note = models.CharField(_("about the satisfaction"), max_length=200, blank=True)
    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("enterprise request")
        verbose_name_plural = _("enterprise requests")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["status", "received_on"], name="projects_request_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(verify_due__gte=models.F("received_on"))
                & Q(reply_due__gte=models.F("verify_due"))
                & Q(resolve_due__gte=models.F("reply_due")),
                name="projects_request_clock",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def current_due(self):
        """The due day of the stage it is in; None once resolved."""
        return {
            RequestStatus.RECEIVED: self.verify_due,
            RequestStatus.VERIFYING: self.reply_due,
            RequestStatus.REPLIED: self.resolve_due,
        }.get(self.status)
