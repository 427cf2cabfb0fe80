"""python manage.py demo: builds the demo county (Jiaxiang, 370829) on an empty database.

Unless --no-ledger is given, every unit then gets about 25 households of about 3 residents;
unless --no-cases is given, the county gets a year of cases (yiwang.demo.cases); unless
--no-outreach is given, cadres, pairings and three months of visits (yiwang.demo.outreach).

- demo --status: prints "empty" (no areas yet) or "built"; writes nothing.
- demo --scale town: two towns, 1,092 units and 1,713 accounts (about a second).
- demo --scale county: the whole county, 7,849 units and 12,312 accounts (a few seconds).
"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from yiwang.core.commands import AuditedCommand
from yiwang.demo.areas import DEMO_LOGINS, DEMO_PASSWORD, SCALES, build_demo, demo_status


class Command(AuditedCommand):
    help = (
        "Builds the demo county (嘉祥县 370829) with boundaries, accounts and posts, on a "
        "database that has no areas yet. --status prints empty or built."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="town",
            help="town: two towns (the default); county: 16 towns, 7,849 units, 11,000 grid workers.",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Seed for names and phones.")
        parser.add_argument(
            "--no-ledger",
            action="store_true",
            help="Build the areas, accounts and posts only, without households and residents.",
        )
        parser.add_argument(
            "--no-cases",
            action="store_true",
            help="Build no cases (by default a year of residents' requests and patrol reports).",
        )
        parser.add_argument(
            "--no-outreach",
            action="store_true",
            help="Build no pairings and visits (by default the county's pairings and three "
            "months of visits).",
        )
        parser.add_argument(
            "--status",
            action="store_true",
            help='Print "empty" when the database has no areas, else "built"; write nothing.',
        )

    def handle(
        self,
        *args,
        scale: str,
        seed: int,
        status: bool,
        no_ledger: bool,
        no_cases: bool,
        no_outreach: bool,
        **options,
    ):
        if status:
            self.stdout.write(demo_status())
            return
        started = time.perf_counter()
        try:
            counts = build_demo(scale, seed=seed)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the {scale}-scale demo in {seconds:.1f} s: {counts['towns']} towns, "
                f"{counts['villages']} villages, {counts['grids']} grids, {counts['units']} "
                f"units, {counts['users']} accounts ({counts['grid_workers']} grid workers)."
            )
        )
        if not no_ledger:
            from yiwang.demo.registry import build_demo_ledger

            started = time.perf_counter()
            ledger = build_demo_ledger(seed=seed)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built the demo ledger in {time.perf_counter() - started:.1f} s: "
                    f"{ledger['households']} households ({ledger['key_households']} key), "
                    f"{ledger['residents']} residents, {ledger['tags']} tags."
                )
            )
        if not no_cases:
            from yiwang.demo.cases import build_demo_cases

            started = time.perf_counter()
            cases = build_demo_cases(seed=seed)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built the demo cases in {time.perf_counter() - started:.1f} s: "
                    f"{cases['cases']} cases ({cases['requests']} residents' requests, "
                    f"{cases['patrol_reports']} patrol reports), {cases['open']} open, "
                    f"{cases['overdue']} overdue, {cases['events']} timeline entries."
                )
            )
        if not no_ledger and not no_outreach:
            from yiwang.demo.outreach import build_demo_outreach

            started = time.perf_counter()
            outreach = build_demo_outreach(seed=seed)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built the demo outreach in {time.perf_counter() - started:.1f} s: "
                    f"{outreach['cadres']} cadres, {outreach['pairings']} pairings "
                    f"({outreach['key_paired']} key households), {outreach['enterprises']} "
                    f"enterprises, {outreach['visits']} visits, {outreach['scheduled']} visits "
                    f"scheduled ({outreach['overdue']} overdue)."
                )
            )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}): {', '.join(DEMO_LOGINS)}.")
