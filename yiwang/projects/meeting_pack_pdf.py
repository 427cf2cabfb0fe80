"""The monthly meeting pack (调度会材料) as a PDF: a cover with the month and the projects
counted by colour and by stage; then each red project with its leader in charge, its red
milestones (lag and cause), its open problems (department, due day, days overdue) and its
latest site photo (the thumbnail, embedded: the pack of 500 projects renders in a few
seconds). Read from the battle map's selector (yiwang.projects.selectors.battle_map) for
the viewer's projects; rendered by WeasyPrint in Simplified Chinese with a CJK font, as
the cockpit's monthly report is (yiwang.cockpit.report_pdf).
"""

from __future__ import annotations

import base64
import calendar as month_days
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.core import display, storage
from yiwang.core.pdf import FONT_FAMILY, LANGUAGE
from yiwang.projects.models import Colour, DelayCause, ProgressPhoto, Stage
from yiwang.projects.selectors import battle_map as selectors


def month_asked(text: str, today: datetime.date) -> datetime.date:
    """ "2026-03" → 2026-03-01; ValueError with a message for anything else or a month
    to come."""
    try:
        year, month = (int(part) for part in text.split("-"))
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError) as exc:
        raise ValueError(_("Give the month as YYYY-MM, e.g. 2026-03.")) from exc
    if first > today.replace(day=1):
        raise ValueError(_("The meeting pack of a month to come cannot be made yet."))
    return first


def as_of(month: datetime.date, today: datetime.date) -> datetime.date:
    """The day the pack's lags are counted to: today for this month, the month's last
    day for a month gone by."""
    last = month.replace(day=month_days.monthrange(month.year, month.month)[1])
    return min(today, last)


@dataclass
class RedProject:
    number: str
    name: str
    place: str
    stage: str
    leader: str
    milestones: list[dict]
    problems: list[dict]
    photo: str = ""  # a data: URI of the thumbnail


@dataclass
class Pack:
    title: str
    month_label: str
    as_of: datetime.date
    generated_at: datetime.datetime
    total: int
    colours: list[tuple[str, str, int]]
    stages: list[tuple[str, int]]
    red: list[RedProject]
    unknown_year: str | None
    # The projects whose lag cannot be counted (a year whose holidays are not entered).
    uncounted: list[dict] = field(default_factory=list)
    font_family: str = FONT_FAMILY
    notes: list[str] = field(default_factory=list)


def _thumbnails(ids) -> dict[int, str]:
    """{photo id: data URI} of the photos' thumbnails (one query; a photo whose file
    cannot be read is left out)."""
    found = {}
    for row in ProgressPhoto.objects.filter(pk__in=ids).only("pk", "thumbnail"):
        try:
            with storage.guarded(), row.thumbnail.open("rb") as stored:
                content = stored.read()
        except (storage.StorageUnavailable, OSError):  # missing, or the store down: no photo
            continue
        found[row.pk] = "data:image/jpeg;base64," + base64.b64encode(content).decode()
    return found


def _past_note(day: datetime.date) -> str:
    return _(
        "As of %(day)s: a milestone done after that day is counted open, a problem raised "
        "after it is left out and one resolved after it is counted open, the site photos "
        "are those up to it, and each project is in the stage it had reached by then. The "
        "projects are those active today: one added or closed since is not set back."
    ) % {"day": day.isoformat()}


def build(user, month: datetime.date, *, today: datetime.date | None = None) -> Pack:
    today = today or timezone.localdate()
    day = as_of(month, today)
    past = day < today
    found = selectors.battle_map(user, today=day, historical=past)
    projects = found["projects"]
    red = [p for p in projects if p["colour"] == Colour.RED]
    uncounted = [p for p in projects if p["colour"] == selectors.UNKNOWN]
    names = display.area_names({p["area_code"] for p in red + uncounted})
    thumbnails = _thumbnails([p["photo_id"] for p in red if p["photo_id"]])
    causes = dict(DelayCause.choices)
    stages = dict(Stage.choices)
    label = _("%(year)s/%(month)s") % {"year": month.year, "month": month.month}

    def place_of(p) -> str:
        place = names[p["area_code"]].name if p["area_code"] in names else p["area_code"]
        return place + (f" · {p['park']}" if p["park"] else "")

    rows = []
    for p in red:
        rows.append(
            RedProject(
                number=p["number"],
                name=p["name"],
                place=place_of(p),
                stage=str(stages.get(p["stage"], p["stage"])),
                leader=p["leader"] or "—",
                milestones=[
                    {**m, "cause_label": causes.get(m["cause"], "")}
                    for m in p["milestones"]
                    if m["colour"] == Colour.RED and not m["done_on"]
                ],
                problems=p["problems"],
                photo=thumbnails.get(p["photo_id"], ""),
            )
        )
    colour_labels = dict(selectors.COLOUR_CHOICES)
    return Pack(
        title=_("Key projects meeting pack %(month)s") % {"month": label},
        month_label=label,
        as_of=day,
        generated_at=timezone.localtime(),
        total=len(projects),
        colours=[(c, str(colour_labels[c]), n) for c, n in found["colours"].items()],
        stages=[(str(stages[s]), n) for s, n in found["stages"].items()],
        red=rows,
        unknown_year=found["unknown_year"],
        uncounted=[
            {
                "number": p["number"],
                "name": p["name"],
                "place": place_of(p),
                "stage": str(stages.get(p["stage"], p["stage"])),
                "leader": p["leader"] or "—",
            }
            for p in uncounted
        ],
        notes=[_past_note(day)] if past else [],
    )


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    title: str


def render(user, month: datetime.date, *, today: datetime.date | None = None) -> Rendered:
    """The pack as a PDF, in Simplified Chinese."""
    from weasyprint import HTML  # loads pango: only where a pack is made

    with translation.override(LANGUAGE):
        pack = build(user, month, today=today)
        html = render_to_string("projects/meeting_pack_pdf.html", {"pack": pack})
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return Rendered(pdf=document.write_pdf(), pages=len(document.pages), title=pack.title)
