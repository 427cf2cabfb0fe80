"""python manage.py backup DIRECTORY: the database and the uploaded files (MEDIA_ROOT's,
or the bucket's with S3_BUCKET set) into a new directory under DIRECTORY, with a manifest of every table (yiwang.core.backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core import backups


class Command(BaseCommand):
    help = "Backs up the database and the uploaded files (restore them with `restore`)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="Where the backup's folder is made.")

    def handle(self, *args, directory: Path, **options):
        try:
            out = backups.backup(directory)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = backups.read_manifest(out)
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {len(manifest['tables'])} tables ({rows} rows) and "
                f"{manifest['media_files']} files into {out}"
            )
        )
