"""`manage.py tallies`: checks every registered tally (its triggers are in place, its rows
are what a rebuild would make); `--rebuild` recounts them (all, or those named)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from yiwang.core import tallies


class Command(BaseCommand):
    help = (
        "Checks the tallies (triggers in place, rows right), or rebuilds them after a load "
        "that went around what keeps them."
    )

    def add_arguments(self, parser):
        parser.add_argument("models", nargs="*", help="app_label.model; all by default")
        parser.add_argument("--rebuild", action="store_true", help="recount them")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, models, rebuild, database, **options):
        connection = connections[database]
        chosen = [tallies.get(m) for m in models] if models else tallies.registered()
        wrong = []
        for tally in chosen:
            if rebuild:
                tallies.rebuild(tally, connection)
                self.stdout.write(f"{tally.model}: rebuilt")
                continue
            missing = tallies.missing_triggers(tally, connection)
            kept, recounted = tallies.drift(tally, connection)
            state = f"kept by {tally.kept_by}"
            if missing:
                state += f"; triggers missing: {', '.join(missing)}"
            if kept or recounted:
                state += f"; {len(kept | recounted)} rows differ from a recount"
            if missing or kept or recounted:
                wrong.append(tally.model)
            else:
                state += "; right"
            self.stdout.write(f"{tally.model}: {state}")
        if wrong:
            raise CommandError(
                f"Wrong: {', '.join(wrong)}. Rebuild with: manage.py tallies --rebuild "
                + " ".join(wrong)
            )
