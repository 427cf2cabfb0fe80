"""Template helpers that show names for codes (yiwang.core.display): areas by name with
their level and the code small beside it, durations in days and hours, yes/no in words.

A list names its areas in one query: `{% area_names page_obj "area_code" as names %}`
before the loop, then `{% area names row.area_code %}` inside it. A page with one area
writes `{% area None case.area_code %}` (one query for that area)."""

from django import template
from django.utils.html import format_html

from yiwang.core import display
from yiwang.core.audit import action_label
from yiwang.core.audit_display import actor_name, object_in_words

register = template.Library()


def _code_of(row, attr: str) -> str:
    value = row
    for part in attr.split("."):  # "0.area_code": the first item of a (row, …) pair
        if isinstance(value, dict):
            value = value.get(part)
        elif part.isdigit() and isinstance(value, list | tuple):
            value = value[int(part)]
        else:
            value = getattr(value, part, "")
    return value or ""


@register.simple_tag
def area_names(rows, *attrs: str) -> dict:
    """{code: AreaName} for the codes found at `attrs` (dotted) of each row (or of one
    object), one query."""
    attrs = attrs or ("area_code",)
    if rows is None:
        return {}
    if isinstance(rows, dict) or not hasattr(rows, "__iter__"):
        rows = [rows]
    return display.area_names(_code_of(row, attr) for row in rows for attr in attrs)


@register.simple_tag
def area(names, code, level=True, code_shown=True):
    """An area by its name, its level (muted) and its code (small, secondary); the bare
    code when it names no area. `names` from `area_names`, or None to look the one up."""
    if not code:
        return "—"
    if names is None:
        names = display.area_names([code])
    found = names.get(code)
    if found is None:
        return format_html('<span class="code">{}</span>', code)
    html = format_html('<span class="area-name">{}</span>', found.name)
    if level:
        html = format_html('{} <span class="small text-muted">{}</span>', html, found.level)
    if code_shown:
        html = format_html(
            '{} <span class="code small text-muted d-none d-md-inline">{}</span>', html, code
        )
    return html


@register.filter
def area_name(code, names=None) -> str:
    """The name alone (text, for a title or a sentence); the code when it names no area."""
    if not code:
        return ""
    found = (names if names is not None else display.area_names([code])).get(code)
    return found.name if found else code


@register.filter
def duration(minutes) -> str:
    """1440 → "24 小时", 4320 → "3 天"."""
    return display.duration(minutes)


@register.filter
def hours(value) -> str:
    """A duration stored in hours, shown as `duration` shows minutes."""
    return display.duration(None if value in (None, "") else int(value) * 60)


@register.filter
def yes_no(value) -> str:
    return display.yes_no(value)


@register.filter
def audit_action(entry) -> str:
    """The label its app registered for the entry's action ("导出居民")."""
    return action_label(entry.action)


@register.filter
def audit_object(entry) -> str:
    """The entry's object in words: "居民 张三"."""
    return object_in_words(entry)


@register.filter
def audit_actor(entry) -> str:
    """Who did it, by full name; "系统" when no one signed in did."""
    return actor_name(entry)
