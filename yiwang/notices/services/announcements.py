"""Writing an announcement, resolving its audience and sending it (the fan-out).

An announcement is written from one of the writer's posts (county admin, town admin, grid
chief, cadre): its audience lies in that post's subtree. The audience is areas (each a
subtree) × roles, or a list of people in the writer's scope. It is sent at `send_at`: at
once when that is now, else by the periodic sweep (notices.tasks). Sending resolves the
audience into one receipt a person, in one INSERT … SELECT over the current posts (the
deepest matching post gives the receipt's area), then queues the messages to the groups'
robots (the outbox).
"""

from __future__ import annotations

import datetime
import os
import uuid

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Post, Role, User
from yiwang.core import audit, storage
from yiwang.core.scoping import any_subtree_q, is_area_code, minimal_prefixes, subtree_q
from yiwang.core.validators import clean_line, clean_text
from yiwang.notices.models import (
    Announcement,
    AnnouncementAttachment,
    AnnouncementStatus,
    Priority,
    Receipt,
)

# The posts an announcement is written from, and the roles it may be sent to.
WRITER_ROLES = (Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF, Role.CADRE)
AUDIENCE_ROLES = (
    Role.GRID_WORKER,
    Role.GROUP_LEADER,
    Role.GRID_CHIEF,
    Role.CADRE,
    Role.TOWN_ADMIN,
    Role.COUNTY_ADMIN,
    Role.DEPARTMENT_STAFF,
)
TITLE_MAX = 100
BODY_MAX = 10000
LIST_MAX = 500  # people named one by one
AREAS_MAX = 200
# Attachments: the kinds of file an office sends, told by their first bytes, not their name.
ATTACHMENTS_MAX = 5
ATTACHMENT_BYTES_MAX = 10 * 1024 * 1024
ATTACHMENT_KINDS = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
}


def writer_posts(user) -> list[tuple[str, str]]:
    """(role, area code) of the posts the user may write announcements from."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return [(Role.COUNTY_ADMIN, code) for code in _county_codes()]
    return sorted({(r, c) for r, c in scope.current_posts(user) if r in WRITER_ROLES})


def _county_codes() -> list[str]:
    from yiwang.areas.models import Area

    return list(Area.objects.filter(level="county").values_list("code", flat=True))


def can_write(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and writer_posts(user))


def _writer_area(user, areas: list[str], users: list[int]) -> str:
    """The area of the writer's post whose subtree holds the whole audience: the deepest
    such post, so that the announcement is filed where it belongs."""
    roots = sorted({code for _role, code in writer_posts(user)}, key=len, reverse=True)
    targets = list(areas)
    if users:
        targets += list(
            User.objects.filter(pk__in=users).values_list("area_code", flat=True).distinct()
        )
    for root in roots:
        if targets and all(code.startswith(root) for code in targets):
            return root
    return ""


def _clean_areas(values, errors: dict) -> list[str]:
    from yiwang.areas.models import Area

    if values is None:
        values = []
    if isinstance(values, str):
        values = [values]
    codes = []
    for value in values:
        code = str(value).strip()
        if not is_area_code(code):
            errors.setdefault("areas", []).append(
                _("%(value)s is not an area code.") % {"value": str(value)[:20]}
            )
            continue
        codes.append(code)
    if len(codes) > AREAS_MAX:
        errors.setdefault("areas", []).append(
            _("At most %(n)d areas at once: choose the areas above them.") % {"n": AREAS_MAX}
        )
        return []
    known = set(Area.objects.open().filter(code__in=codes).values_list("code", flat=True))
    missing = [code for code in codes if code not in known]
    if missing:
        errors.setdefault("areas", []).append(
            _("No such area: %(codes)s.") % {"codes": "、".join(missing[:5])}
        )
    return list(minimal_prefixes(code for code in codes if code in known))


def _clean_roles(values, errors: dict) -> list[str]:
    if values is None:
        values = []
    if isinstance(values, str):
        values = [values]
    roles = []
    for value in values:
        if value not in AUDIENCE_ROLES:
            errors.setdefault("roles", []).append(
                _("%(value)s is not a role an announcement can be sent to.")
                % {"value": str(value)[:30]}
            )
        elif value not in roles:
            roles.append(value)
    return roles


def _clean_users(values, errors: dict) -> list[int]:
    if values is None:
        return []
    ids = []
    for value in values if isinstance(values, list | tuple) else [values]:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if isinstance(value, bool) or not 0 < number < 1 << 63:
            errors.setdefault("users", []).append(_("Each person is given by their user id."))
            return []
        ids.append(number)
    ids = sorted(set(ids))
    if len(ids) > LIST_MAX:
        errors.setdefault("users", []).append(
            _("At most %(n)d people by name: choose areas and roles instead.") % {"n": LIST_MAX}
        )
        return []
    return ids


def _clean_time(value, field: str, errors: dict) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        from yiwang.core.validators import read_datetime

        parsed = read_datetime(value.strip())
        if parsed is None:
            errors.setdefault(field, []).append(
                _("Enter a date and time such as 2026-12-05 18:00.")
            )
            return None
        value = parsed
    if not isinstance(value, datetime.datetime):
        errors.setdefault(field, []).append(_("Enter a date and time such as 2026-12-05 18:00."))
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def check_attachment(upload) -> tuple[str, str]:
    """(clean name, content type) of an uploaded file, or a ValidationError that says
    which kinds are allowed."""
    name = os.path.basename(str(getattr(upload, "name", "") or "")).strip()[:120] or "file"
    extension = os.path.splitext(name)[1].lower()
    kind = ATTACHMENT_KINDS.get(extension)
    allowed = _("Attach PDF, Word (.doc, .docx), Excel (.xls, .xlsx), JPEG or PNG files.")
    if kind is None:
        raise ValidationError(
            _("%(name)s: this kind of file cannot be attached. %(allowed)s")
            % {"name": name, "allowed": allowed}
        )
    if upload.size > ATTACHMENT_BYTES_MAX:
        raise ValidationError(
            _("%(name)s is larger than %(mb)d MB.")
            % {"name": name, "mb": ATTACHMENT_BYTES_MAX // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in kind[1]):
        raise ValidationError(
            _("%(name)s is not the file its name says (%(ext)s). %(allowed)s")
            % {"name": name, "ext": extension, "allowed": allowed}
        )
    return name, kind[0]


def create_announcement(
    *,
    actor,
    title,
    body,
    areas=None,
    roles=None,
    users=None,
    priority=Priority.ROUTINE,
    ack_by=None,
    send_at=None,
    attachments=(),
) -> Announcement:
    """Writes an announcement and, when `send_at` is now or past, sends it on commit.
    ValidationError {field: [message]} for bad input; nothing is written then."""
    errors: dict = {}
    title = clean_line(title, field="title", limit=TITLE_MAX, required=True, errors=errors)
    body = clean_text(body, field="body", limit=BODY_MAX, required=True, errors=errors)
    areas = _clean_areas(areas, errors)
    roles = _clean_roles(roles, errors)
    users = _clean_users(users, errors)
    if priority not in Priority.values:
        errors.setdefault("priority", []).append(
            _("Choose a priority: routine, important or emergency.")
        )
    now = timezone.now()
    send_at = _clean_time(send_at, "send_at", errors) or now
    ack_by = _clean_time(ack_by, "ack_by", errors)
    if send_at < now - datetime.timedelta(minutes=5):
        errors.setdefault("send_at", []).append(_("The time to send is in the past."))
    if ack_by is not None and ack_by <= max(send_at, now):
        errors.setdefault("ack_by", []).append(
            _("The deadline to acknowledge must come after the announcement is sent.")
        )
    clean_audience = not (errors.get("areas") or errors.get("roles") or errors.get("users"))
    if clean_audience and not users and not (areas and roles):
        errors.setdefault("areas", []).append(
            _("The audience is empty: choose at least one area and one role, or name the people.")
        )
    files = list(attachments or ())
    if len(files) > ATTACHMENTS_MAX:
        errors.setdefault("attachments", []).append(
            _("At most %(n)d attachments.") % {"n": ATTACHMENTS_MAX}
        )
    checked = []
    for upload in files[:ATTACHMENTS_MAX]:
        try:
            checked.append((upload, *check_attachment(upload)))
        except ValidationError as error:
            errors.setdefault("attachments", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)

    with storage.removed_on_failure() as stored, transaction.atomic():
        scope.recheck(actor)
        if not can_write(actor):
            raise ValidationError({"areas": [_("Your posts do not allow writing announcements.")]})
        if users:
            visible = set(
                User.objects.visible_to(actor).filter(pk__in=users).values_list("pk", flat=True)
            )
            outside = [pk for pk in users if pk not in visible]
            if outside:
                raise ValidationError(
                    {"users": [_("Some of the people named are outside your areas.")]}
                )
        area_code = _writer_area(actor, areas, users)
        if not area_code:
            raise ValidationError(
                {
                    "areas": [
                        _("You can only write to the areas of your posts and the areas below them.")
                    ]
                }
            )
        announcement = Announcement.objects.create(
            area_code=area_code,
            title=title,
            body=body,
            priority=priority,
            sender=actor,
            audience_areas=areas,
            audience_roles=roles,
            audience_users=users,
            ack_by=ack_by,
            send_at=send_at,
        )
        for upload, name, content_type in checked:
            row = AnnouncementAttachment(
                announcement=announcement,
                name=name,
                content_type=content_type,
                size=upload.size,
            )
            extension = os.path.splitext(name)[1].lower()
            with storage.guarded():  # the store down: StorageUnavailable, nothing kept
                row.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
            stored.append(row.file.name)
            row.save()
        audit.record(
            actor=actor,
            action="announcement.create",
            obj=announcement,
            after=_snapshot(announcement),
        )
        if send_at <= now:
            announcement_id = announcement.pk
            transaction.on_commit(lambda: _enqueue_send(announcement_id))
    return announcement


def _snapshot(announcement: Announcement) -> dict:
    return {
        "title": announcement.title,
        "priority": announcement.priority,
        "areas": announcement.audience_areas,
        "roles": announcement.audience_roles,
        "users": announcement.audience_users,
        "ack_by": announcement.ack_by,
        "send_at": announcement.send_at,
        "attachments": [a.name for a in announcement.attachments.all()],
    }


# The Huey task that sends one announcement: notices.sweeps registers it when it is loaded
# (the notices app loads it at start), so that this module does not import it.
_send_task = None


def register_send_task(task) -> None:
    global _send_task
    _send_task = task


def _enqueue_send(announcement_id: int) -> None:
    if _send_task is None:
        raise RuntimeError("yiwang.notices.sweeps is not loaded: the notices app loads it")
    _send_task(announcement_id)


def cancel_announcement(*, actor, announcement: Announcement) -> None:
    """A scheduled announcement not sent yet may be cancelled by whoever sees it."""
    with transaction.atomic():
        scope.recheck(actor)
        updated = Announcement.objects.filter(
            pk=announcement.pk, status=AnnouncementStatus.SCHEDULED
        ).update(status=AnnouncementStatus.CANCELLED, updated_at=timezone.now())
        if not updated:
            raise ValidationError(_("Only an announcement not sent yet can be cancelled."))
        audit.record(
            actor=actor,
            action="announcement.cancel",
            obj=announcement,
            before={"status": AnnouncementStatus.SCHEDULED},
            after={"status": AnnouncementStatus.CANCELLED},
        )


# --- the audience -----------------------------------------------------------------------


def audience_posts(announcement: Announcement):
    """The audience's current posts by areas × roles, one row a person: (user id, the
    deepest matching post's area code). Active accounts only; the sender left out."""
    if not (announcement.audience_areas and announcement.audience_roles):
        return Post.objects.none().values("user_id")
    return (
        Post.objects.current()
        .filter(
            any_subtree_q("area_code", announcement.audience_areas),
            role__in=announcement.audience_roles,
            user__is_active=True,
        )
        .exclude(user_id=announcement.sender_id)
        .values("user_id")
        .annotate(code=Max("area_code"))
        .order_by()
    )


def audience(announcement: Announcement) -> dict[int, str]:
    """{user id: area code} of the whole audience: by areas × roles, and the people named."""
    people = {row["user_id"]: row["code"] for row in audience_posts(announcement)}
    named = [pk for pk in announcement.audience_users if pk not in people]
    if named:
        people.update(_named_people(named, announcement.sender_id, announcement.area_code))
    return people


def _named_people(ids: list[int], sender_id: int, root: str) -> dict[int, str]:
    """The area of each person named, under the announcement's area `root` (so that their
    receipts roll up with the others): their current post there, else their home area
    there, else `root` itself."""
    found = {}
    for user_id, code in (
        Post.objects.current()
        .filter(subtree_q("area_code", root), user_id__in=ids)
        .values_list("user_id")
        .annotate(code=Max("area_code"))
        .order_by()
    ):
        found[user_id] = code
    for user_id, code in User.objects.filter(pk__in=ids, is_active=True).values_list(
        "pk", "area_code"
    ):
        if user_id != sender_id:
            found.setdefault(user_id, code if code and code.startswith(root) else root)
    inactive = set(User.objects.filter(pk__in=ids, is_active=False).values_list("pk", flat=True))
    return {pk: code for pk, code in found.items() if pk not in inactive and pk != sender_id}


def send_announcement(announcement_id: int, *, now: datetime.datetime | None = None) -> int:
    """Sends a scheduled announcement whose time has come: claims it (a conditional UPDATE,
    so that two consumers send it once), writes one receipt a person of the audience and
    queues the group messages. Answers how many receipts were written (0 when another
    sending had it, or it is not due)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Announcement.objects.filter(
            pk=announcement_id, status=AnnouncementStatus.SCHEDULED, send_at__lte=now
        ).update(status=AnnouncementStatus.SENT, sent_at=now, updated_at=now)
        if not claimed:
            return 0
        announcement = Announcement.objects.get(pk=announcement_id)
        count = _write_receipts(announcement, now)
        Announcement.objects.filter(pk=announcement_id).update(recipient_count=count)
        announcement.recipient_count = count
        audit.record(
            actor=None,
            action="announcement.send",
            obj=announcement,
            after={"recipients": count, "sent_at": now},
        )
        # In the same transaction: the groups' deliveries are written with the receipts
        # or not at all (the outbox sends them on commit).
        _queue_groups(announcement)
    return count


# The chat groups are the grid workers' own: an announcement reaches them when it is for
# grid workers or group leaders, never one for chiefs, cadres or people named alone.
GROUP_ROLES = {Role.GRID_WORKER, Role.GROUP_LEADER}


def _queue_groups(announcement: Announcement) -> None:
    from yiwang.notices import outbox

    if GROUP_ROLES & set(announcement.audience_roles):
        outbox.queue_to_groups(announcement)


def _write_receipts(announcement: Announcement, now: datetime.datetime) -> int:
    """INSERT … SELECT the receipts of the areas × roles audience in one statement, then
    those of the people named who are not in it already."""
    table = Receipt._meta.db_table
    count = 0
    posts = audience_posts(announcement)
    if announcement.audience_areas and announcement.audience_roles:
        select, params = posts.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (announcement_id, user_id, area_code, created_at, "
                f"acked_via) SELECT %s, audience.user_id, audience.code, %s, '' "
                f"FROM ({select}) audience",
                [announcement.pk, now, *params],
            )
            count = cursor.rowcount
    named = announcement.audience_users
    if named:
        have = set(
            Receipt.objects.filter(announcement=announcement, user_id__in=named).values_list(
                "user_id", flat=True
            )
        )
        extra = {
            pk: code
            for pk, code in _named_people(
                [pk for pk in named if pk not in have],
                announcement.sender_id,
                announcement.area_code,
            ).items()
        }
        Receipt.objects.bulk_create(
            [
                Receipt(announcement=announcement, user_id=pk, area_code=code, created_at=now)
                for pk, code in extra.items()
            ],
            batch_size=1000,
        )
        count += len(extra)
    return count


def send_due(now: datetime.datetime | None = None) -> int:
    """Sends every scheduled announcement whose time has come (the periodic sweep)."""
    now = now or timezone.now()
    sent = 0
    due = Announcement.objects.filter(
        status=AnnouncementStatus.SCHEDULED, send_at__lte=now
    ).values_list("pk", flat=True)[:100]
    for pk in list(due):
        if send_announcement(pk, now=now):
            sent += 1
    return sent


def visible_announcements(user):
    """The announcements a user may follow as a sender (their receipts by name, and cancel
    one not sent yet): those written from an area under one of the user's writer posts."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Announcement.objects.all()
    codes = sorted({code for _role, code in writer_posts(user)})
    if not codes:
        return Announcement.objects.none()
    return Announcement.objects.filter(any_subtree_q("area_code", codes))


def readable(user, announcement_id: int) -> Announcement | None:
    """The announcement if the user may read it: they received it, or it was written in
    their scope."""
    found = (
        Announcement.objects.filter(pk=announcement_id)
        .filter(
            Q(pk__in=Receipt.objects.filter(user=user).values("announcement_id"))
            | Q(pk__in=visible_announcements(user).values("pk"))
        )
        .first()
    )
    return found


__all__ = [
    "AUDIENCE_ROLES",
    "WRITER_ROLES",
    "audience",
    "can_write",
    "cancel_announcement",
    "check_attachment",
    "create_announcement",
    "readable",
    "send_announcement",
    "send_due",
    "writer_posts",
]
