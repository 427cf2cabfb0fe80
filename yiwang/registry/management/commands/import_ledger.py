"""python manage.py import_ledger FILE: households and residents from a ledger file (CSV/XLSX)."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from yiwang.areas.models import Area
from yiwang.core.commands import AuditedCommand
from yiwang.core.models import AuditSource
from yiwang.registry.importers import error_file, error_file_format, import_ledger, read_ledger

# Exit codes: every row went in; some rows were rejected; the file could not be read.
OK, SOME_REJECTED, UNREADABLE = 0, 1, 2
# Rejected rows shown on stderr; the error file has them all.
SHOWN_ERRORS = 20


class Command(AuditedCommand):
    help = (
        "Imports households and residents from a ledger file (CSV in UTF-8 or GBK, or XLSX), "
        "one row per resident, with the columns 户编号, 单元网格编码, 姓名, 公民身份号码, "
        "与户主关系 and optionally 性别, 出生日期, 联系电话, 现住址, 人员标签, 户类别. "
        "A household with a bad row is left out whole; --errors writes those rows, with the "
        "reason, to a CSV or XLSX file. Importing the same file again changes nothing. "
        "Exits 0 when every row went in, 1 when rows were rejected, 2 when the file could "
        "not be read."
    )
    audit_source = AuditSource.IMPORT

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--errors",
            type=Path,
            metavar="PATH",
            help="Write the rejected rows, with their row number and reason, to PATH "
            "(.csv or .xlsx).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what the import would do, and write nothing (but the error file).",
        )
        parser.add_argument(
            "--unit-scope",
            metavar="CODE",
            default="",
            help="Only import households of units under the area CODE; others are rejected.",
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            help="The language of the reasons in the error file (default: %(default)s).",
        )

    def handle(self, *args, file, errors, dry_run: bool, **options):
        errors = Path(errors) if errors else None  # call_command passes options untyped
        with translation.override(options["language"]):
            self._import(Path(file), errors, dry_run, options["unit_scope"].strip())

    def _import(self, file: Path, errors: Path | None, dry_run: bool, unit_scope: str):
        if not file.exists():
            raise CommandError(f"No such file: {file}", returncode=UNREADABLE)
        try:
            data = file.read_bytes()
        except OSError as exc:  # a folder, no permission to read it, a disk error …
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s.")
                % {"path": file, "reason": exc.strerror or exc},
                returncode=UNREADABLE,
            ) from None
        try:
            fmt = error_file_format(errors) if errors else None
            ledger = read_ledger(data, file.name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=UNREADABLE) from None
        if unit_scope and not Area.objects.filter(code=unit_scope).exists():
            raise CommandError(
                f"--unit-scope: no area has the code {unit_scope}.", returncode=UNREADABLE
            )
        try:
            # A file that breaks off further down is found in the first pass, before any write.
            report = import_ledger(
                actor=None,
                rows=ledger.records(),
                labels=ledger.labels,
                within=unit_scope,
                dry_run=dry_run,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=UNREADABLE) from None
        if errors:
            errors.write_bytes(error_file(ledger, report.errors, fmt))
        for error in report.errors[:SHOWN_ERRORS]:
            self.stderr.write(str(error))
        if len(report.errors) > SHOWN_ERRORS:
            more = len(report.errors) - SHOWN_ERRORS
            where = f"see {errors}" if errors else "run with --errors PATH to get them all"
            self.stderr.write(f"… and {more} more rejected rows: {where}.")
        prefix = "Dry run, nothing written. " if dry_run else ""
        style = self.style.SUCCESS if report.ok else self.style.WARNING
        self.stdout.write(style(prefix + report.summary()))
        if not report.ok:
            raise SystemExit(SOME_REJECTED)
