"""The reporting layer every module's figures are built on: the period a report covers,
figure sets (named counts and the ratios they make), and figures per child area of an
area, filled from one GROUP BY on the area-code prefix of the child level.

- `Period`: days from `first` to `last`, both included, in TIME_ZONE; `MonthPeriod`:
  whole months. `parse_days` and `parse_months` read them from a query (each with its own
  rules and messages), `Period.query()` and `MonthPeriod.query()` give the query back.
- `Figures`: a dataclass whose fields are counts (ints, 0 by default) and whose `Ratio`
  attributes are part / whole as a Fraction, None when the whole is 0 (nothing to rate).
- `ByChild`: the rows of an area's children (the caller loads them: core knows no areas)
  and their total, from grouped rows keyed by `child_prefix`.

A module's selector keeps what is its own: what it counts, the queries, the rows' labels
and links. The selectors of the case rates (yiwang/cases/selectors/rates.py) and of visit
compliance (yiwang/outreach/selectors/compliance.py) are built on it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Generic, Protocol, TypeVar

from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

# --- the period -----------------------------------------------------------------------

# The years a month may be in: before the platform's records there is nothing to count,
# and a year 1 or 9999 would overflow the local midnights of a period.
FIRST_YEAR, LAST_YEAR = 1949, 2999
# A month as YYYY-MM, or a day YYYY-MM-DD standing for its month (parse_month).
_MONTH_OR_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def add_months(month: datetime.date, n: int) -> datetime.date:
    """The first day of the month `n` months after the month of `month` (before: n < 0)."""
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(first: datetime.date) -> datetime.date:
    """The last day of the month of `first`."""
    return add_months(first, 1) - datetime.timedelta(days=1)


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of a day in TIME_ZONE, as an aware time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def month_of(value) -> datetime.date:
    """The first day of the month of a date, of a time (local, when aware), or of a date
    as text (SQLite may answer a date so)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10]).replace(day=1)
    return value.replace(day=1)


@dataclass(frozen=True)
class Period:
    """The days from `first` to `last`, both included (in TIME_ZONE)."""

    first: datetime.date
    last: datetime.date

    @property
    def last_day(self) -> datetime.date:
        return self.last

    @property
    def start(self) -> datetime.datetime:
        """When the period starts: local midnight of its first day, as an aware time."""
        return local_midnight(self.first)

    @property
    def end(self) -> datetime.datetime:
        """When it ends (excluded): local midnight after its last day."""
        return local_midnight(self.last_day + datetime.timedelta(days=1))

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and self.last_day == month_end(self.first)

    def months(self) -> list[datetime.date]:
        """The first days of the months it touches."""
        months, month = [], self.first.replace(day=1)
        while month <= self.last_day:
            months.append(month)
            month = add_months(month, 1)
        return months

    def query(self) -> dict[str, str]:
        """The period as `parse_days` takes it back (a page's or the API's query)."""
        if self.is_month:
            return {"month": f"{self.first:%Y-%m}"}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    @classmethod
    def month_of(cls, day: datetime.date) -> Period:
        first = day.replace(day=1)
        return cls(first, month_end(first))


@dataclass(frozen=True)
class MonthPeriod(Period):
    """Whole months, from the month of `first` to the month of `last`: both are first
    days of months (`last_day` is the period's last day)."""

    @property
    def last_day(self) -> datetime.date:
        return month_end(self.last)

    def query(self) -> dict[str, str]:
        """The period as `parse_months` takes it back."""
        return {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}"}

    @classmethod
    def month(cls, month: datetime.date) -> MonthPeriod:
        return cls(month, month)


P = TypeVar("P", bound=Period)
M = TypeVar("M", bound=MonthPeriod)


def last_months(n: int, today: datetime.date | None = None, *, cls: type[M] = MonthPeriod) -> M:
    """The last `n` months, this one included."""
    this = (today or timezone.localdate()).replace(day=1)
    return cls(add_months(this, 1 - n), this)


def parse_month(text: str) -> datetime.date:
    """A month from YYYY-MM (a date YYYY-MM-DD stands for its month). ValueError with a
    message for the user otherwise."""
    found = _MONTH_OR_DAY.match(text or "")
    try:
        if not found or not FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR:
            raise ValueError
        day = int(found.group(3) or 1)
        return datetime.date(int(found.group(1)), int(found.group(2)), day).replace(day=1)
    except ValueError:
        raise ValueError(_("Give a month as YYYY-MM, for example 2026-03.")) from None


def parse_months(
    first: str,
    last: str,
    today: datetime.date | None = None,
    *,
    months: int = 12,
    cls: type[M] = MonthPeriod,
) -> M:
    """The period between two months given as text. Without the last, it ends this month
    (or with the first, if that is later); without the first, it is the `months` months
    up to the last. ValueError({field: message}) when a month cannot be read or they are
    the wrong way round (fields "from" and "to")."""
    default = last_months(months, today, cls=cls)
    errors: dict[str, str] = {}
    read: dict[str, datetime.date | None] = {}
    for name, text in (("from", first), ("to", last)):
        read[name] = None
        if (text or "").strip():
            try:
                read[name] = parse_month(text)
            except ValueError as exc:
                errors[name] = str(exc)
    if errors:
        raise ValueError(errors)
    start, end = read["from"], read["to"]
    if end is None:
        end = max(default.last, start) if start else default.last
    if start is None:
        start = add_months(end, 1 - months)
    if start > end:
        raise ValueError({"to": _("The last month comes before the first.")})
    return cls(start, end)


def _parse_day(text: str, *, end: bool) -> datetime.date:
    """A day from YYYY-MM-DD, or a month from YYYY-MM (its first day, or its last with
    `end`). ValueError with the user's message otherwise."""
    try:
        found = _DAY.match(text) or _MONTH.match(text)
        if found and not FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR:
            raise ValueError
        found = _DAY.match(text)
        if found:
            return datetime.date(*(int(g) for g in found.groups()))
        found = _MONTH.match(text)
        if found:
            first = datetime.date(int(found.group(1)), int(found.group(2)), 1)
            return month_end(first) if end else first
    except ValueError:
        pass
    raise ValueError(_("Give a month as YYYY-MM or a day as YYYY-MM-DD, for example 2026-11."))


def parse_days(
    month: str = "",
    first: str = "",
    last: str = "",
    today: datetime.date | None = None,
    *,
    cls: type[P] = Period,
) -> P:
    """The period from the query: `month`, else `from` and `to` (days or months; either
    may be left out: from the first day of `to`'s month, or to the end of `from`'s month),
    else the current month. ValueError({field: message}) when it cannot be read."""
    today = today or timezone.localdate()
    month, first, last = (month or "").strip(), (first or "").strip(), (last or "").strip()
    if month:
        try:
            if not _MONTH.match(month):
                raise ValueError
            return cls.month_of(_parse_day(month, end=False))
        except ValueError:
            raise ValueError(
                {"month": _("Give a month as YYYY-MM, for example 2026-11.")}
            ) from None
    if not first and not last:
        return cls.month_of(today)
    errors, days = {}, {}
    for name, text, end in (("from", first, False), ("to", last, True)):
        if text:
            try:
                days[name] = _parse_day(text, end=end)
            except ValueError as exc:
                errors[name] = str(exc)
    if errors:
        raise ValueError(errors)
    start = days.get("from") or days["to"].replace(day=1)
    stop = days.get("to") or month_end(start.replace(day=1))
    if start > stop:
        raise ValueError({"to": _("The end comes before the start.")})
    return cls(start, stop)


# --- the figures ----------------------------------------------------------------------


def ratio(part: int, whole: int) -> Fraction | None:
    """part / whole, exactly; None when the whole is 0: nothing to rate."""
    return Fraction(part, whole) if whole else None


def percent(value: Fraction | None) -> str:
    """A ratio as a page shows it: 66.7%, or a dash when there is nothing to rate."""
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def chart_percent(value: Fraction | None) -> float | None:
    """A ratio as a chart draws it: a percentage to one place (null: no bar)."""
    return None if value is None else round(float(value) * 100, 1)


def api_ratio(value: Fraction | None) -> float | None:
    """A ratio as the API answers it: a fraction rounded to four places, or null."""
    return None if value is None else round(float(value), 4)


class Ratio:
    """A ratio of two counts of a figure set, read like a property: `part` / `whole` as a
    Fraction, None when the whole is 0."""

    def __init__(self, part: str, whole: str, doc: str = ""):
        self.part, self.whole = part, whole
        self.__doc__ = doc or f"{part} / {whole} (None when {whole} is 0)."

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, figures, owner=None):
        if figures is None:
            return self
        return ratio(getattr(figures, self.part), getattr(figures, self.whole))

    def __set__(self, figures, value) -> None:
        raise AttributeError(f"{self.name} is a ratio of {self.part} and {self.whole}")


@dataclass
class Figures:
    """A figure set: subclass it as a dataclass of named counts (`int = 0` fields) and
    `Ratio` attributes. Counts add up (`add`); ratios follow from them."""

    @classmethod
    def counts(cls) -> tuple[str, ...]:
        """The names of the counts, in their order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def ratios(cls) -> dict[str, Ratio]:
        """The ratios by name, in the order the class declares them."""
        found: dict[str, Ratio] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Ratio):
                    found[name] = value
        return found

    def add(self, values, names: Iterable[str] | None = None) -> None:
        """Adds counts: those of another figure set, or of a row (a mapping with the names
        of the counts; None counts 0). `names`: only these counts (all by default)."""
        if isinstance(values, Mapping):
            get = values.__getitem__
        else:

            def get(name):
                return getattr(values, name)

        for name in self.counts() if names is None else names:
            setattr(self, name, getattr(self, name) + int(get(name) or 0))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.counts()}

    def as_data(self) -> dict:
        """The counts, then the ratios as the API answers them (`api_ratio`)."""
        ratios = {name: api_ratio(getattr(self, name)) for name in self.ratios()}
        return {**self.as_dict(), **ratios}


# --- by child area --------------------------------------------------------------------


def child_prefix(field: str, length: int) -> Substr:
    """The code of the child area a row lies under, as SQL: `substr(field, 1, length)`,
    `length` being the length of a child's code. Rows grouped by it give one row a child
    (or a shorter code, for rows on the area itself)."""
    return Substr(field, 1, length)


class HasFigures(Protocol):
    figures: Figures


R = TypeVar("R", bound=HasFigures)


class ByChild(Generic[R]):
    """The rows of an area's children and their total, filled from rows grouped by the
    code prefix of the child level (`child_prefix`); never a query per child.

    `rows`: a row per child the caller lists, by code. A grouped code (a child's, or any
    longer code under it) goes to its child's row; a child that is not listed (no longer
    in the tree) gets a row of its own, made by `new_row(code)`, whose figures still count.
    A code shorter than a child's lies on the area itself: it goes to `own` when there is
    one, else into the total only. The total counts everything."""

    def __init__(
        self,
        length: int,
        rows: dict[str, R],
        new_row: Callable[[str], R],
        total: Figures,
        own: R | None = None,
    ):
        self.length = length
        self.rows = rows
        self.new_row = new_row
        self.total = total
        self.own = own

    def row(self, code: str) -> R | None:
        """The row a grouped code counts in (None: the total only)."""
        key = code[: self.length]
        if len(key) < self.length:
            return self.own
        if key not in self.rows:
            self.rows[key] = self.new_row(key)
        return self.rows[key]

    def add(self, code: str, values, names: Iterable[str] | None = None) -> None:
        """Adds the counts of a grouped row (`Figures.add`) to its child's row and to the
        total."""
        names = None if names is None else tuple(names)
        row = self.row(code)
        if row is not None:
            row.figures.add(values, names)
        self.total.add(values, names)

    def sorted(self) -> list[R]:
        """The children's rows by code (the own row left out)."""
        return [self.rows[code] for code in sorted(self.rows)]
