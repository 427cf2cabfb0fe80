"""`manage.py points_rotate_key`: a new signing key for the benefit passes; the old one is
retired (it signs nothing more and stays in the JWKS until its last pass has expired)."""

from django.core.management.base import BaseCommand

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.points.services import keys


class Command(BaseCommand):
    help = "Makes a new signing key for the benefit passes and retires the old one."

    def handle(self, *args, **options):
        with audit_source(AuditSource.COMMAND):
            key = keys.rotate_key(None)
        self.stdout.write(f"New signing key {key.kid}")
