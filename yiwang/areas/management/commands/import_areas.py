"""python manage.py import_areas FILE: official division codes (and grids, units) from CSV/XLSX."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from yiwang.areas.importers import division_rows
from yiwang.areas.services import import_areas
from yiwang.core.commands import AuditedCommand
from yiwang.core.models import AuditSource


class Command(AuditedCommand):
    help = (
        "Imports areas from a CSV or Excel file with the columns code,name (or the published "
        "code,urban-rural class,name). The parent of each area is implied by its code. "
        "Grids (15 digits) and units (18 digits) can be created in bulk the same way. "
        "A file with any bad row changes nothing."
    )
    audit_source = AuditSource.IMPORT

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        try:
            rows = division_rows(file.read_bytes(), file.name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        report = import_areas(actor=None, rows=rows)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(report.errors)} bad row(s): nothing was imported. Fix them and run again."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.created} created, {report.renamed} renamed, {report.unchanged} unchanged."
            )
        )
