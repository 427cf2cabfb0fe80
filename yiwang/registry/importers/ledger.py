"""The import: the first pass over the rows, then the second, which decides each household as
soon as its last row is read, in batches of one transaction each, and the report."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.core import exports, validators
from yiwang.core.bulk import bulk_writing
from yiwang.core.imports import TooManyErrors
from yiwang.registry.importers.errors import RowError, _row_errors
from yiwang.registry.importers.households import _check_household, _FileHousehold, _Units
from yiwang.registry.importers.planning import (
    NEW,
    REJECTED,
    TRANSFERRED,
    UNCHANGED,
    UPDATED,
    _HouseholdPlan,
    _load,
    _Planner,
)
from yiwang.registry.importers.reading import HEADERS, _keys, _Listing
from yiwang.registry.importers.rows import _Cleaner, _household_key
from yiwang.registry.importers.writing import _write
from yiwang.registry.models import Tag

# Households are analysed, and written, in batches of about this many rows: each batch is
# a few queries, and one transaction when written.
BATCH_ROWS = 5000
# How often the import reports its progress, in rows.
PROGRESS_EVERY = 500


@dataclasses.dataclass
class LedgerReport:
    """What an import did (or, in a dry run, would do), and the rows it rejected."""

    dry_run: bool = False
    households: Counter = dataclasses.field(default_factory=Counter)
    residents: Counter = dataclasses.field(default_factory=Counter)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict:
        return {
            "households": {k: self.households[k] for k in (NEW, UPDATED, UNCHANGED, REJECTED)},
            "residents": {
                k: self.residents[k] for k in (NEW, UPDATED, TRANSFERRED, UNCHANGED, REJECTED)
            },
        }

    def summary(self) -> str:
        counts = self.counts()
        households = ", ".join(f"{n} {k}" for k, n in counts["households"].items())
        residents = ", ".join(f"{n} {k}" for k, n in counts["residents"].items())
        return f"households: {households}; residents: {residents}"


def _groups(links: dict[tuple[str, str], set]) -> dict:
    """Household key → the keys (in file order) of the households linked with it."""
    parent = {key: key for key in links}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, linked in links.items():
        for other in linked:
            if other in parent:
                parent[find(key)] = find(other)
    members: dict = {}
    for key in links:
        members.setdefault(find(key), []).append(key)
    return {key: members[find(key)] for key in links}


def import_ledger(
    *,
    actor,
    rows: Iterable[tuple[int, dict[str, str]]],
    labels: dict[str, str] | None = None,
    within: str = "",
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    max_errors: int | None = None,
) -> LedgerReport:
    """Imports (row number, {column: cell}) rows of a ledger file.

    Households with a bad row are rejected whole, every other household goes in: a new
    one is created, a known one (by unit and 户编号) updated. Residents are known by their
    ID number, and without one by household, name and birth date; one found in another
    household moves (a transfer, kept in both histories). `actor=None` is the operator at
    the command line; `within` limits the units to one subtree. `labels` names the columns
    as the file does, for the messages. A dry run analyses and writes nothing.

    `rows` is read twice (a list, or `LedgerFile.records()`, which reads the file again):
    first for where each household's rows end and where each ID number is listed, then
    to check and write the households in batches of about BATCH_ROWS rows, each in one
    transaction, as soon as their last row is read. Only the batch is held in memory.

    With `max_errors`, the import stops at the first rejected row past that many: it
    raises core.imports.TooManyErrors with the first rejected rows (RowError) and the
    counts so far; the batches decided before stay written, as after a crash.
    """
    run = _Import(actor, labels, within, dry_run, progress, max_errors)
    for number, unit_code, household_number, id_number in _keys(rows):
        run.listing.add(
            number,
            _household_key(
                exports.unescape_cell(validators.normalize_code(unit_code)),
                exports.unescape_cell(validators.normalize_code(household_number)),
            ),
            validators.compact(id_number).upper(),
        )
    if progress:
        progress(0, run.listing.rows)
    with bulk_writing():
        for number, cells in rows:
            run.read(number, cells)
        run.finish()
    written = sum(run.report.residents[k] for k in (NEW, UPDATED, TRANSFERRED))
    if not dry_run and written >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        # PostgreSQL plans the ledger's searches by its statistics, which a large load
        # leaves out of date until autovacuum (if it runs at all) gets to the tables.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE registry_household, registry_resident, registry_residenttag, "
                "registry_ledgertally"
            )
    return run.report


# After an import that wrote this many residents, PostgreSQL's statistics are refreshed.
ANALYZE_AFTER_ROWS = 50_000


class _Import:
    def __init__(self, actor, labels, within: str, dry_run: bool, progress, max_errors=None):
        self.actor = actor
        self.max_errors = max_errors
        self.bad_rows = 0  # rows read with an error of their own
        self.labels = {**HEADERS, **(labels or {})}
        self.dry_run = dry_run
        self.progress = progress
        self.today = timezone.localdate()
        active = list(Tag.objects.filter(is_active=True))
        self.tags_by_pk = {t.pk: t for t in Tag.objects.all()}
        lookup = {**{t.code.lower(): t for t in active}, **{t.name: t for t in active}}
        self.cleaner = _Cleaner(self.labels, lookup)
        self.units = _Units(actor, within, self.labels)
        self.planner = _Planner(
            self.units.units, {t.code: t for t in active}, self.labels, self.today, actor
        )
        self.listing = _Listing()
        self.report = LedgerReport(dry_run=dry_run)
        self.open: dict[tuple[str, str], _FileHousehold] = {}
        self.ready: list[_FileHousehold] = []
        self.ready_rows = 0
        # Households that wait for another household of the file that a member moves
        # between them and that is not read whole yet: the two are written together.
        self.waiting: list[_FileHousehold] = []
        self.position = 0  # the last row read
        self.done = 0  # rows decided

    def read(self, number: int, cells: dict[str, str]) -> None:
        self.position = number
        row = self.cleaner.clean(number, cells)
        if row.errors:
            self.bad_rows += 1
            self._check_errors()
        key = (row.unit_code, row.household_number)
        household = self.open.get(key)
        if household is None:
            household = self.open[key] = _FileHousehold(row.unit_code, row.household_number)
        household.rows.append(row)
        if self.listing.complete(key, number):
            del self.open[key]
            self.ready.append(household)
            self.ready_rows += len(household.rows)
            if self.ready_rows >= BATCH_ROWS:
                self.flush()

    def finish(self) -> None:
        self.position = sys.maxsize
        self.ready.extend(self.open.values())  # none, unless the file changed under us
        self.open.clear()
        self.flush()
        self.report.errors.sort(key=lambda e: e.row)
        if self.progress:
            self.progress(self.listing.rows, self.listing.rows)

    def flush(self) -> None:
        batch, self.ready, self.ready_rows = [*self.waiting, *self.ready], [], 0
        self.waiting = []
        if batch:
            self.waiting = self._process(batch)
            self._check_errors()
        rows = sum(len(h.rows) for h in batch) - sum(len(h.rows) for h in self.waiting)
        before, self.done = self.done, self.done + rows
        if self.progress and self.done // PROGRESS_EVERY > before // PROGRESS_EVERY:
            self.progress(self.done, self.listing.rows)

    def _check_errors(self) -> None:
        """Stops the import once more rows are rejected than `max_errors`: those the
        batches rejected and those read with an error, whose households are undecided."""
        limit = self.max_errors
        if limit is None or max(self.bad_rows, len(self.report.errors)) <= limit:
            return
        errors = list(self.report.errors)
        for household in [*self.waiting, *self.ready, *self.open.values()]:
            if household.rejected:
                errors.extend(_row_errors(household))
        errors.sort(key=lambda e: e.row)
        raise TooManyErrors(errors[:limit], self.report.counts())

    def _reject(self, household: _FileHousehold) -> None:
        self.listing.reject(household.key)
        self.report.households[REJECTED] += 1
        self.report.residents[REJECTED] += len(household.rows)
        self.report.errors.extend(_row_errors(household))

    def _process(self, batch: list[_FileHousehold]) -> list[_FileHousehold]:
        """Decides, and unless it is a dry run writes, a batch of whole households in one
        transaction; gives back the households that must wait for a later one."""
        for household in batch:
            _check_household(household, self.labels, self.listing.duplicates)
        self.units.check([h for h in batch if not h.rejected])
        for household in batch:
            if household.rejected:
                self._reject(household)
        batch = [h for h in batch if not h.rejected]
        if not batch:
            return []
        with contextlib.nullcontext() if self.dry_run else transaction.atomic():
            if self.actor is not None and not self.dry_run:
                # The posts may have ended since the import began: checked again, locked.
                scope.recheck(self.actor)
                for household in batch:
                    if not scope.in_scope(self.actor, household.unit_code):
                        household.reject(
                            self.planner.label(
                                "unit_code",
                                _(
                                    "The unit %(code)s is outside the areas of your posts: "
                                    "remove these rows, or have someone with a post there "
                                    "import them."
                                )
                                % {"code": household.unit_code},
                            )
                        )
            live = [h for h in batch if not h.rejected]
            state = _load(
                live, self.units.units, self.tags_by_pk, self.today, lock=not self.dry_run
            )
            plans: dict[tuple[str, str], _HouseholdPlan] = {}
            todo = live
            while todo:
                for household in todo:
                    plan = self.planner.plan(household, state, self.listing)
                    if plan is None:
                        plans.pop(household.key, None)
                        self.listing.reject(household.key)
                    else:
                        plans[household.key] = plan
                # A household rejected on what the ledger holds keeps its members where
                # they are, which the households they were to leave are planned again with.
                refused = {h.key for h in live if h.rejected}
                todo = [h for h in live if not h.rejected and plans[h.key].linked & refused]
            waiting = self._waiting(live, plans)
            written = [plans[h.key] for h in live if not h.rejected and h.key not in waiting]
            if not self.dry_run and any(p.kind != UNCHANGED for p in written):
                _write(written, state, self.planner.tags, self.actor, self.today)
        for household in batch:
            if household.rejected:
                self._reject(household)
        for plan in written:
            self.report.households[plan.kind] += 1
            for r in plan.residents:
                self.report.residents[r.kind] += 1
        return [h for h in live if h.key in waiting]

    def _waiting(self, live, plans) -> set[tuple[str, str]]:
        """The households linked, by a member who moves between them, to a household of
        the file that is not read whole yet; and those linked to them."""
        groups = _groups({h.key: plans[h.key].linked for h in live if not h.rejected})
        waiting = set()
        for key, group in groups.items():
            if any(
                other in self.listing.index and not self.listing.complete(other, self.position)
                for member in group
                for other in plans[member].linked
            ):
                waiting.add(key)
        return waiting
