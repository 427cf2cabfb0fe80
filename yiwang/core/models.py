"""Base models shared by every module, and the audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.scoping import ScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScopedModel(TimeStampedModel):
    """A row that belongs to one place in the area tree, stored as that area's code.

    Rolling figures up the tree is then a GROUP BY on a code prefix, and scoping a range
    scan on this indexed column.
    """

    area_code = models.CharField(_("area code"), max_length=18, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditSource(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API")
    COMMAND = "command", _("Command")
    IMPORT = "import", _("Import")
    TASK = "task", _("Background task")
    SYSTEM = "system", _("System")


class AuditEntry(models.Model):
    """One write: who, when, through what, to which object, and its state before and after."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so that the entry still names the actor if the account goes.
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=AuditSource.choices)
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # The area the object lies in; scopes the log like every other scoped row.
    area_code = models.CharField(_("area code"), max_length=18, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            # The history of one object, newest first (object page, API filter).
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


class JSONArrayLength(models.Func):
    """The length of a JSON array column, counted by the database: the array itself is
    never read out."""

    function = "json_array_length"
    output_field = models.IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="jsonb_array_length", **extra)


class ImportJobQuerySet(ScopedQuerySet):
    def with_error_count(self):
        """Without the errors themselves (up to settings.IMPORT_MAX_ERRORS messages, a
        million on jobs older than that limit), only how many there are: for lists."""
        return self.defer("errors").annotate(error_count=JSONArrayLength("errors"))


class ImportJob(ScopedModel):
    """An uploaded file imported in the background, with what came of it.

    The file is kept with the job for IMPORT_KEEP_DAYS, so that what was imported stays
    answerable for a while; then it goes, with the error file (`files_removed_at`). Progress
    while it runs lives in the task queue's storage (yiwang.core.imports), because the
    import writes in one transaction that no other connection sees until it commits.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        PARTIAL = "partial", _("Done, with rows rejected")
        REJECTED = "rejected", _("Rejected: nothing was changed")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=30)
    filename = models.CharField(_("file name"), max_length=200)
    data = models.BinaryField(_("file"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The sign of life of the consumer running it, and how many times it was claimed
    # (yiwang/core/leases.py: run once more when its consumer went silent).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A dry run analyses the file and writes nothing: the preview before the real import.
    dry_run = models.BooleanField(_("dry run"), default=False)
    result = models.JSONField(_("result"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # The rejected rows as the importer wrote them back (XLSX), for download.
    error_file = models.BinaryField(_("error file"), null=True, blank=True)
    # When the uploaded file and the error file were removed, IMPORT_KEEP_DAYS after the
    # job finished (yiwang.core.import_files); the job and its counts stay.
    files_removed_at = models.DateTimeField(_("files removed at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.DONE,
            self.Status.PARTIAL,
            self.Status.REJECTED,
            self.Status.FAILED,
        }


class ExportJob(ScopedModel):
    """A list written to an XLSX file in the background, for its requester to download.

    The job keeps the list's filters as they were asked (`params`) and the area the export
    covers (`area_code`: the filter's area, else the requester's post), so that it scopes
    like any row. The file lives in the default storage under `file_name` for a week
    (`expires_at`), then a periodic task removes it; the job stays, saying it expired.
    Progress while it runs lives in the task queue's storage, as an import's does.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The sign of life of the consumer running it, and how many times it was claimed
    # (yiwang/core/leases.py: run once more when its consumer went silent).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="export_owner_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED}

    def is_expired(self, now=None) -> bool:
        if self.status == self.Status.EXPIRED:
            return True
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
