"""Base for management commands that write: their audit entries say "command"."""

from django.core.management.base import BaseCommand

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource


class AuditedCommand(BaseCommand):
    audit_source = AuditSource.COMMAND

    def execute(self, *args, **options):
        with audit_source(self.audit_source):
            return super().execute(*args, **options)
