"""python manage.py restore BACKUP: a backup made by `backup` into an empty database and
an empty MEDIA_ROOT (or, with S3_BUCKET set, an empty bucket), then every table compared
with the backup's manifest (yiwang.core.backups). Refused, changing nothing, when the
database has tables or the folder or bucket has files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core import backups


class Command(BaseCommand):
    help = "Restores a backup into an empty database and checks every table against it."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The folder `backup` made.")

    def handle(self, *args, backup: Path, **options):
        backups.close_default()
        try:
            found = backups.restore(backup)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {found['created_at']}: {found['tables']} tables "
                f"({found['rows']} rows) and {found['media_files']} files, every table the "
                "same as when it was backed up."
            )
        )
