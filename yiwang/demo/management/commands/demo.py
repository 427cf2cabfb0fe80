"""python manage.py demo: builds the demo county (Jiaxiang, 370829) on an empty database.

Unless --no-ledger is given, every unit then gets about 25 households of about 3 residents;
unless --no-cases is given, the county gets a year of cases (yiwang.demo.cases); unless
--no-outreach is given, cadres, pairings and three months of visits (yiwang.demo.outreach);
unless --no-notices is given, a year of announcements with their receipts and a group robot
per village (yiwang.demo.notices); unless --no-points is given, a year of points, twelve
monthly evaluations, a points shop a village and this month's benefit passes
(yiwang.demo.points); unless --no-volunteering is given, volunteers, teams, a year of
activities and services with their hours, micro-wishes and the caring mothers' fund
(yiwang.demo.volunteering); unless --no-projects is given, the county's 50 key projects
with a year of milestones, daily progress and problems, twelve finance-counsellor teams
paired with 147 enterprises and a year of enterprise requests (yiwang.demo.projects);
unless --no-services is given, a year of help requests with government services, about
eight a village, in every step (yiwang.demo.services); unless --no-duty is given, a
flood-season duty roster for every town, a past door-to-door sweep of the elderly living
alone in the first town, and a store of emergency supplies per town with its hand-outs
(yiwang.demo.duty); unless --no-coops is given, the party-branch-led cooperatives of one
town's villages, with their alliance, charters, boards, members and shares, a year of
trading and last year's distribution approved (yiwang.demo.coops).

- demo --status: prints "empty" (no areas yet) or "built"; writes nothing.
- demo --scale town: two towns, 1,092 units and 1,713 accounts (about a second).
- demo --scale county: the whole county, 7,849 units and 12,312 accounts (a few seconds).
- demo --if-empty: builds only on an empty database (else says so and writes nothing);
  --ask: asks on the terminal first, and builds nothing where there is no terminal.
- demo --logins: prints the demo logins when the database has the demo county.

Every demo account has the one known password demo12345, so the demo is refused unless
the settings allow it (DEMO_ALLOWED: on with DEBUG and in the tests, off in production;
`make run` turns it on for its laptop run on SQLite, see bin/run).
"""

import sys
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from yiwang.core.commands import AuditedCommand
from yiwang.core.models import AuditEntry
from yiwang.demo.areas import DEMO_LOGINS, DEMO_PASSWORD, SCALES, build_demo, demo_status


class Command(AuditedCommand):
    help = (
        "Builds the demo county (嘉祥县 370829) with boundaries, accounts and posts, on a "
        "database that has no areas yet; every demo account has the password "
        f"{DEMO_PASSWORD}, so it is refused unless DEMO_ALLOWED (or DEBUG) is on. "
        "--status prints empty or built."
    )
    # Tests give the answer to --ask here; a person types it on the terminal.
    stealth_options = ("stdin",)

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
            "--no-notices",
            action="store_true",
            help="Build no announcements (by default a year of them, with their receipts, "
            "and a group robot per village, not configured).",
        )
        parser.add_argument(
            "--no-points",
            action="store_true",
            help="Build no points (by default a year of entries, twelve monthly evaluations, "
            "a shop a village and this month's passes).",
        )
        parser.add_argument(
            "--no-volunteering",
            action="store_true",
            help="Build no volunteering (by default 8,000 volunteers in the county, a year of "
            "activities and services with their hours, micro-wishes and the caring mothers' "
            "fund).",
        )
        parser.add_argument(
            "--no-projects",
            action="store_true",
            help="Build no battle map (by default the county's 50 key projects with a year of "
            "milestones, daily progress and problems, twelve finance-counsellor teams paired "
            "with 147 enterprises and a year of enterprise requests).",
        )
        parser.add_argument(
            "--no-services",
            action="store_true",
            help="Build no help requests (by default a year of them, about eight a village, "
            "in every step, some late, most followed up).",
        )
        parser.add_argument(
            "--no-duty",
            action="store_true",
            help="Build no emergency duty (by default a flood-season duty roster for every "
            "town, a past door-to-door sweep of the elderly living alone, and a store of "
            "supplies per town with its hand-outs).",
        )
        parser.add_argument(
            "--no-coops",
            action="store_true",
            help="Build no cooperatives (by default a party-branch-led cooperative in each "
            "village of one town, with their alliance, members and shares, a year of trading "
            "and last year's distribution approved by the chair).",
        )
        parser.add_argument(
            "--no-cockpit",
            action="store_true",
            help="Take no cockpit snapshots of the twelve months gone by (by default they are "
            "counted from the demo's records; the cockpit then shows the months only from "
            "the monthly task's next run).",
        )
        parser.add_argument(
            "--status",
            action="store_true",
            help='Print "empty" when the database has no areas, else "built"; write nothing.',
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Build only on an empty database; on one with areas say so and write nothing "
            "(for a launcher that runs at every start).",
        )
        parser.add_argument(
            "--ask",
            action="store_true",
            help="Ask on the terminal before building; with no terminal, build nothing.",
        )
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Print the demo logins and their password when the database has the demo "
            "county, else nothing; write nothing.",
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
        no_notices: bool,
        no_points: bool,
        no_volunteering: bool,
        no_projects: bool,
        no_services: bool,
        no_duty: bool,
        no_coops: bool,
        no_cockpit: bool,
        if_empty: bool,
        ask: bool,
        logins: bool,
        **options,
    ):
        if status:
            self.stdout.write(demo_status())
            return
        if logins:
            if AuditEntry.objects.filter(action="demo.build").exists():
                self.stdout.write(self._logins())
            return
        if if_empty and demo_status() != "empty":
            self.stdout.write("The database already has areas: no demo county is built.")
            return
        if not settings.DEMO_ALLOWED:
            raise CommandError(
                f"Refused: the demo county's accounts all have the known password "
                f"{DEMO_PASSWORD}, and these are production settings (DEBUG and DEMO_ALLOWED "
                f"are off). On a development machine run it with DEMO_ALLOWED=1, or through "
                f"`make run DEMO=1`; never on a database with real people's data."
            )
        if ask and not self._yes(options.get("stdin") or sys.stdin):
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
        if not no_notices:
            from yiwang.demo.notices import build_demo_notices

            started = time.perf_counter()
            notices = build_demo_notices(seed=seed)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built the demo notices in {time.perf_counter() - started:.1f} s: "
                    f"{notices['announcements']} announcements, {notices['receipts']} "
                    f"receipts ({notices['acknowledged']} acknowledged, {notices['late']} "
                    f"late, {notices['pending']} pending of which {notices['overdue']} "
                    f"overdue), {notices['chiefs_told']} notifications to the grid chiefs, "
                    f"{notices['robots']} group robots (not configured)."
                )
            )
        if not no_ledger and not no_points:
            from yiwang.demo.points import build_demo_points

            started = time.perf_counter()
            points = build_demo_points(seed=seed)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built the demo points in {time.perf_counter() - started:.1f} s: "
                    f"{points['party_members']} party members, {points['entries']} entries "
                    f"({points['pending']} awaiting approval), {points['evaluations']} monthly "
                    f"evaluations ({points['red_flag_grids']} red-flag grids, "
                    f"{points['red_pioneers']} red pioneers, {points['model_villagers']} model "
                    f"villagers, {points['rewards_yuan']} yuan), {points['shops']} shops, "
                    f"{points['redemptions']} redemptions, {points['passes']} passes."
                )
            )
        if not no_ledger and not no_volunteering:
            from yiwang.demo.volunteering import build_demo_volunteering

            started = time.perf_counter()
            v = build_demo_volunteering(seed=seed)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built the demo volunteering in {time.perf_counter() - started:.1f} s: "
                    f"{v['volunteers']} volunteers ({v['worker_volunteers']} grid workers), "
                    f"{v['teams']} teams, {v['activities']} activities, {v['services']} "
                    f"services ({v['pending']} hours pending, {v['declined']} declined, "
                    f"{v['closed_by_system']} closed by the system), {v['honour']} honour "
                    f"hours, {v['wishes']} wishes ({v['claims']} claimed), the caring "
                    f"mothers' fund ({v['donated_yuan']} yuan given, {v['paid_yuan']} paid "
                    f"out), {v['certificates']} certificates."
                )
            )
        if not no_ledger and not no_projects:
            self._projects(seed)
        if not no_ledger and not no_services:
            self._services(seed)
        if not no_ledger and not no_duty:
            self._duty(seed)
        if not no_ledger and not no_coops:
            self._coops(seed)
        if not no_cockpit:
            self._snapshots()
        self.stdout.write(
            self.style.WARNING(
                f"Demo accounts were created, every one with the password {DEMO_PASSWORD}: "
                "this database is for trying Yiwang, never for real people's data."
            )
        )
        self.stdout.write(self._logins())

    def _projects(self, seed: int) -> None:
        from yiwang.demo.projects import build_demo_projects

        started = time.perf_counter()
        p = build_demo_projects(seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the demo battle map in {time.perf_counter() - started:.1f} s: "
                f"{p['projects']} key projects ({p['upgrade']} technical upgrades, "
                f"{p['new_build']} new builds, {p['research']} research, {p['foreign']} "
                f"foreign cooperation; {p['red']} red, {p['yellow']} yellow), "
                f"{p['milestones']} milestones, {p['progress']} progress entries "
                f"({p['photos']} photos), {p['problems']} problems ({p['problems_open']} "
                f"open); {p['teams']} finance-counsellor teams of {p['bank_staff']} bank "
                f"staff paired with {p['enterprises']} enterprises, {p['requests']} "
                f"enterprise requests ({p['requests_open']} open, {p['requests_escalated']} "
                f"escalated)."
            )
        )

    def _services(self, seed: int) -> None:
        from yiwang.demo.services import build_demo_services

        started = time.perf_counter()
        s = build_demo_services(seed=seed)
        steps = ", ".join(f"{n} {step}" for step, n in sorted(s["by_step"].items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the demo services in {time.perf_counter() - started:.1f} s: "
                f"{s['help_requests']} help requests ({steps}; {s['late']} late, "
                f"{s['overdue_open']} open past their due day), {s['steps']} steps, "
                f"{s['materials']} materials received."
            )
        )

    def _duty(self, seed: int) -> None:
        from yiwang.demo.duty import build_demo_duty

        started = time.perf_counter()
        d = build_demo_duty(seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the demo duty in {time.perf_counter() - started:.1f} s: "
                f"{d['rosters']} flood-season rosters ({d['roster_members']} people, "
                f"{d['shifts']} shifts, {d['assignments']} assignments), {d['sweeps']} "
                f"door-to-door sweep of {d['sweep_households']} households "
                f"({d['sweep_safe']} safe, {d['sweep_needs_help']} needing help, "
                f"{d['sweep_not_home']} not at home), {d['stores']} stores of "
                f"{d['goods']} goods ({d['received']} received, {d['handed_out']} handed "
                f"out, {d['transferred']} sent on)."
            )
        )

    def _coops(self, seed: int) -> None:
        from yiwang.demo.coops import build_demo_coops

        started = time.perf_counter()
        c = build_demo_coops(seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the demo cooperatives in {time.perf_counter() - started:.1f} s: "
                f"{c['cooperatives']} cooperatives in one town's alliance ({c['statutory']} "
                f"by the statute, {c['by_shares']} all by shares), {c['members']} members "
                f"({c['household_members']} households) holding {c['shares']} shares, "
                f"{c['contributions']} contributions, {c['trading']} trading rows, "
                f"{c['final']} distributions of last year approved ({c['paid_yuan']} yuan "
                f"paid out, {c['reserve_yuan']} to the reserve), {c['drafts']} drafts of "
                f"this year awaiting the chair."
            )
        )

    def _snapshots(self) -> None:
        # The cockpit's months gone by: the flows and the rates of the last twelve months,
        # counted from the demo's records (the states of a month gone by are not kept),
        # and this month's.
        from yiwang.areas.models import Area
        from yiwang.cockpit import snapshots

        started = time.perf_counter()
        written = sum(
            snapshots.backfill(county, 12) for county in Area.objects.filter(level="county")
        )
        # This month's, as the periodic task refreshes them.
        written += sum(snapshots.refresh().values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Took the cockpit's snapshots of the last twelve months in "
                f"{time.perf_counter() - started:.1f} s: {written} values."
            )
        )

    def _logins(self) -> str:
        from yiwang.accounts.models import User
        from yiwang.demo.coops import ACCOUNTANT_LOGIN, CHAIR_LOGIN
        from yiwang.demo.enterprise_support import BANK_LOGIN
        from yiwang.demo.projects import SITE_LOGIN

        # The battle map's site worker and bank counsellor, and the first cooperative's
        # chair and accountant, when they were built.
        extra = (SITE_LOGIN, BANK_LOGIN, CHAIR_LOGIN, ACCOUNTANT_LOGIN)
        more = User.objects.filter(username__in=extra).values_list("username", flat=True)
        logins = [*DEMO_LOGINS, *sorted(more, key=extra.index)]
        return f"Demo logins (password {DEMO_PASSWORD}): {', '.join(logins)}."

    def _yes(self, stdin) -> bool:
        """Whether the person at the terminal wants the demo; no terminal, no demo."""
        if not stdin.isatty():
            self.stdout.write(
                "The database is empty and no demo county was built (no terminal to ask "
                f"on). To build it, with demo accounts whose password is {DEMO_PASSWORD}: "
                "`make run DEMO=1`, or `DEMO_ALLOWED=1 manage.py demo`."
            )
            return False
        self.stdout.write(
            "The database is empty. Build the demo county, with demo accounts (county, "
            f"town, chief, worker, outsider and more) that all have the password "
            f"{DEMO_PASSWORD}? [y/N] ",
            ending="",
        )
        self.stdout.flush()
        if stdin.readline().strip().lower() in {"y", "yes", "是"}:
            return True
        self.stdout.write("No demo county was built.")
        return False
