"""The notices benchmark group, run by benchmarks/worker.py after `build` (the county-scale
area tree: 7,849 units, 11,000 grid workers), on a year of the demo's announcements
(yiwang.demo.notices: 6,000 announcements and their receipts, built here unless an earlier
run left them):

  inbox    the inbox of the grid worker with the most receipts, given a year of personal
           notifications too (NOTIFICATIONS to them by name, UNIT_NOTIFICATIONS to their
           unit): selectors.page(user, "all", 1) + selectors.count + selectors.unread_count,
           the posts read again each run as in a request; and the page itself
           (GET /notices/ through Django's test Client)
           (target p95 ≤ 30 ms over 100 runs each)
  summary  receipts.summary of the year's largest county-wide announcement (to every grid
           worker of the county), at the county and at one town (target p95 ≤ 200 ms over
           30 runs each)
  fan-out  an announcement to every grid worker of the county (11,000 receipts): written
           by create_announcement as the county admin, to be sent a minute later, then
           send_announcement timed, as the sweep runs it, with the messages to the groups'
           robots queued on its commit (target ≤ 2 s, each of 10 runs)

The inbox is timed before the fan-out, so that it is the demo's year, not ten more.
"""

from __future__ import annotations

import datetime
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_bench  # noqa: E402 — the shared helpers (timing, VACUUM)

COUNTY = "370829"
INBOX = "/notices/"
GRID_WORKERS = 11_000
NOTIFICATIONS = 300  # a year of a grid worker's own: cases dispatched, visits due …
UNIT_NOTIFICATIONS = 60  # to their unit: read by one, read for all
FANOUT_RUNS = 10
SUMMARY_RUNS = 30
TABLES = ("notices_announcement", "notices_receipt", "notices_notification")
# Kinds of the modules above (not registered here: no links to look up, a label each).
KINDS = ("case.dispatched", "case.due_soon", "case.escalated", "visit.due", "visit.overdue")


def _spread(times: list[float]) -> dict:
    return cases_bench._spread(times)


def ensure_notices(args) -> dict:
    """The demo's year of announcements, unless an earlier run left them; then VACUUM
    ANALYZE (PostgreSQL) or a checkpoint (SQLite), as after any bulk load."""
    from yiwang.core.audit import audit_source
    from yiwang.core.models import AuditSource
    from yiwang.demo.notices import build_demo_notices
    from yiwang.notices.models import Announcement, Receipt

    info = {"announcements_found": Announcement.objects.count()}
    if not info["announcements_found"]:
        started = time.perf_counter()
        with audit_source(AuditSource.COMMAND):
            info["demo"] = build_demo_notices(seed=args.seed)
        info["demo_seconds"] = round(time.perf_counter() - started, 2)
        print(
            f"  demo notices: {info['demo']['announcements']:,} announcements, "
            f"{info['demo']['receipts']:,} receipts in {info['demo_seconds']} s"
        )
    info["vacuum_seconds"] = cases_bench._vacuum(TABLES)
    info["announcements"] = Announcement.objects.count()
    info["receipts"] = Receipt.objects.count()
    return info


def _give_notifications(user, unit: str, rng: random.Random, now) -> int:
    """A year of notifications for `user`: to them by name and to their unit, most read."""
    from yiwang.notices.models import Notification

    rows = []
    for i in range(NOTIFICATIONS + UNIT_NOTIFICATIONS):
        at = now - datetime.timedelta(seconds=rng.randrange(365 * 86400))
        read = at + datetime.timedelta(hours=rng.uniform(0.1, 48)) if rng.random() < 0.9 else None
        rows.append(
            Notification(
                kind=rng.choice(KINDS),
                object_type="",
                recipient=user if i < NOTIFICATIONS else None,
                area_code="" if i < NOTIFICATIONS else unit,
                level="" if i < NOTIFICATIONS else "unit",
                text="网格事项提醒：请及时处理。",
                created_at=at,
                read_at=read if read is None or read < now else None,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def bench_inbox(args) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from yiwang.accounts import scope
    from yiwang.accounts.models import Post, Role, User
    from yiwang.notices import selectors
    from yiwang.notices.models import Receipt

    workers = Post.objects.current().filter(role=Role.GRID_WORKER).values("user_id")
    top = (
        Receipt.objects.filter(user_id__in=workers)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by("-n", "user_id")
        .first()
    )
    user = User.objects.get(pk=top["user_id"])
    unit = Post.objects.current().filter(user=user, role=Role.GRID_WORKER).first().area_code
    given = _give_notifications(user, unit, random.Random(args.seed), timezone.now())
    cases_bench._vacuum(("notices_notification",))

    def work():
        scope.forget(user)  # the posts read again, as in a request
        items = selectors.page(user, "all", 1)
        return items, selectors.count(user, "all"), selectors.unread_count(user)

    queries: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        items, total, unread = work()
    # At least the year's receipts and the notifications given (an earlier group may have
    # sent the unit more).
    if len(items) != selectors.PAGE_SIZE or total < top["n"] + given:
        raise SystemExit(f"the inbox listed {len(items)} of {total}, not 20 of {top['n'] + given}")
    for _ in range(args.warmup):
        work()
    times = [cases_bench._timed(work)[0] for _ in range(args.requests)]
    figures = {f"inbox_{k}": v for k, v in _spread(times).items()}
    figures["inbox_queries"] = len(queries)
    counts = {
        "user": user.username,
        "receipts": top["n"],
        "notifications": given,
        "inbox_items": total,
        "unread": unread,
    }
    print(
        f"  inbox of {user.username} ({top['n']} announcements, {given} notifications, "
        f"{unread} unread): page + count + unread_count median {figures['inbox_median_ms']} "
        f"ms, p95 {figures['inbox_p95_ms']} ms over {args.requests} runs ({len(queries)} "
        f"queries)"
    )
    client = Client()
    client.force_login(user)

    def get():
        response = client.get(INBOX)
        if response.status_code != 200:
            raise SystemExit(f"GET {INBOX} answered {response.status_code}")

    for _ in range(args.warmup):
        get()
    page_times = [cases_bench._timed(get)[0] for _ in range(args.requests)]
    spread = _spread(page_times)
    figures.update({f"inbox_page_{k}": v for k, v in spread.items()})
    print(
        f"  GET {INBOX}: median {spread['median_ms']} ms, p95 {spread['p95_ms']} ms "
        f"over {args.requests} requests"
    )
    return {"figures": figures, "counts": counts}


def bench_summary(args, announcement) -> dict:
    from yiwang.areas.models import Area
    from yiwang.notices.services import receipts

    town = Area.objects.filter(parent__code=COUNTY).order_by("code").first()
    result = {}
    figures = {}
    for label, parent in (("county", None), ("town", town.code)):
        summary = receipts.summary(announcement, parent)
        expected = announcement.receipts.filter(area_code__startswith=parent or COUNTY).count()
        if summary["total"]["total"] != expected or not summary["areas"]:
            raise SystemExit(f"summary({label}) counted {summary['total']}, the rows {expected}")
        for _ in range(3):
            receipts.summary(announcement, parent)
        times = [
            cases_bench._timed(lambda p=parent: receipts.summary(announcement, p))[0]
            for _ in range(SUMMARY_RUNS)
        ]
        spread = _spread(times)
        figures.update({f"summary_{label}_{k}": v for k, v in spread.items()})
        result[label] = {
            "areas": len(summary["areas"]),
            **summary["total"],
        }
        print(
            f"  summary at the {label} ({len(summary['areas'])} areas, "
            f"{summary['total']['total']:,} receipts, {summary['total']['acked']:,} "
            f"acknowledged): median {spread['median_ms']} ms, p95 {spread['p95_ms']} ms over "
            f"{SUMMARY_RUNS} runs"
        )
    figures["summary_p95_ms"] = max(
        figures["summary_county_p95_ms"], figures["summary_town_p95_ms"]
    )
    return {"figures": figures, "counts": {"announcement": announcement.pk, **result}}


def bench_fanout(args) -> dict:
    from django.utils import timezone

    from yiwang.accounts.models import Role, User
    from yiwang.notices.models import Announcement, Receipt
    from yiwang.notices.services import announcements

    county_admin = User.objects.get(username="county")
    create_ms, send_s, counts = [], [], []
    for run in range(FANOUT_RUNS):
        now = timezone.now()
        send_at = now + datetime.timedelta(minutes=1)
        create_ms_run, announcement = cases_bench._timed(
            lambda send_at=send_at, now=now, run=run: announcements.create_announcement(
                actor=county_admin,
                title=f"关于开展冬季安全大排查的通知（{run + 1}）",
                body="请各网格员于本周内完成辖区安全隐患排查，并在系统中确认收到。",
                areas=[COUNTY],
                roles=[Role.GRID_WORKER],
                priority="important",
                ack_by=now + datetime.timedelta(days=2),
                send_at=send_at,
            )
        )
        ms, count = cases_bench._timed(
            lambda pk=announcement.pk, at=send_at: announcements.send_announcement(pk, now=at)
        )
        written = Receipt.objects.filter(announcement_id=announcement.pk).count()
        if count != GRID_WORKERS or written != GRID_WORKERS:
            raise SystemExit(f"the fan-out wrote {count} ({written}) receipts, not {GRID_WORKERS}")
        if Announcement.objects.get(pk=announcement.pk).recipient_count != GRID_WORKERS:
            raise SystemExit("the announcement's recipient count is wrong")
        create_ms.append(create_ms_run)
        send_s.append(ms / 1000)
        counts.append(count)
    figures = {
        "send_median_seconds": round(statistics.median(send_s), 3),
        "send_max_seconds": round(max(send_s), 3),
        "send_min_seconds": round(min(send_s), 3),
        "create_median_ms": round(statistics.median(create_ms), 2),
        "fanout_runs": FANOUT_RUNS,
    }
    print(
        f"  fan-out to {GRID_WORKERS:,} grid workers: send median "
        f"{figures['send_median_seconds']} s, max {figures['send_max_seconds']} s over "
        f"{FANOUT_RUNS} runs (create_announcement median {figures['create_median_ms']} ms)"
    )
    return {"figures": figures, "counts": {"receipts_per_send": counts[0]}}


def bench_notices(args) -> dict:
    from yiwang.notices.models import Announcement

    filled = ensure_notices(args)
    inbox = bench_inbox(args)
    county_wide = [
        a
        for a in Announcement.objects.filter(area_code=COUNTY).order_by("-recipient_count", "pk")
        if a.audience_roles == ["grid_worker"]
    ]
    widest = county_wide[0] if county_wide else None
    fanout = bench_fanout(args)
    if widest is None:  # a demo year without one: the last fan-out's
        widest = Announcement.objects.filter(area_code=COUNTY).order_by("-pk").first()
    summary = bench_summary(args, widest)
    figures = {**inbox["figures"], **summary["figures"], **fanout["figures"]}
    figures["runs"] = args.requests
    figures["warmup"] = args.warmup
    return {
        "title": "Notices: a worker's inbox, the receipts of a county-wide announcement, "
        "the fan-out to 11,000 grid workers",
        "figures": figures,
        "counts": {
            **filled,
            "inbox": inbox["counts"],
            "summary": summary["counts"],
            "fanout": fanout["counts"],
        },
        "runs": args.requests * (2 if "inbox_page_median_ms" in figures else 1)
        + 2 * SUMMARY_RUNS
        + FANOUT_RUNS,
    }
