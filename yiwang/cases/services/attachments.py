"""Photos added to a case, the report's or the resolution's: stored with their timeline
entry and audited, the files deleted again when the write fails (the photos themselves
are read and stored by yiwang.core.photos)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases import states
from yiwang.cases.models import Attachment, AttachmentStage, Case, CaseEvent, EventKind, Status
from yiwang.cases.services.common import _actor_name
from yiwang.cases.services.transitions import Conflict, _load
from yiwang.core import audit
from yiwang.core import photos as photo_files

# --- attachments ------------------------------------------------------------------------


def _check_attaching(actor, case: Case, stage: str) -> None:
    """Report photos while the case is open, by anyone who sees it; resolution photos
    while it is handled or resolved, by its handler."""
    if not case.is_open or (
        stage == AttachmentStage.RESOLUTION
        and case.status not in (Status.IN_PROGRESS, Status.RESOLVED)
    ):
        raise Conflict(
            case,
            _("Photos of this kind cannot be added now: the case is “%(status)s”.")
            % {"status": case.get_status_display()},
        )
    if (
        stage == AttachmentStage.RESOLUTION
        and actor is not None
        and not states.is_handler(actor, case)
    ):
        raise PermissionDenied(_("Only the case's handler adds photos of the resolution."))


def _store_photos(
    *, actor, case: Case, event: CaseEvent, stage: str, photos, now, stored, already: int = 0
) -> list[Attachment]:
    """Stores `photos` (core.photos.Photo, read before the transaction) as attachments of
    `case` with the timeline entry `event`, at most 9 of a stage with the `already`
    stored, and audits them; the names of the files go into `stored` (see
    core.photos.removed_on_failure). Nothing to do without photos."""
    if not photos:
        return []
    # Photos read already pass as they are; here they are counted.
    photos = photo_files.read_photos(photos, already=already)
    uploader = actor if actor is not None and actor.is_authenticated else None
    created = []
    for photo in photos:
        attachment = Attachment(
            case=case,
            event=event,
            event_at=event.at if event is not None else None,
            stage=stage,
            uploaded_by=uploader,
            created_at=now,
            **photo_files.row_values(photo),
        )
        photo_files.store(attachment, photo, stored)
        attachment.save()
        created.append(attachment)
    audit.record(
        actor=actor,
        action="case.attach",
        obj=case,
        after={
            "stage": stage,
            "attachments": [
                {
                    "id": a.pk,
                    "content_type": a.content_type,
                    "size": a.size,
                    "width": a.width,
                    "height": a.height,
                }
                for a in created
            ],
        },
    )
    return created


def add_attachments(
    *, actor, case_id: int, files, stage: str = AttachmentStage.REPORT, event_id=None
) -> list[Attachment]:
    """Adds photos to a case, the report's or the resolution's: at most 9 of each, JPEG,
    PNG or WebP of at most 10 MB each, told apart by their bytes, stored without any
    metadata (no GPS) with a thumbnail (yiwang.core.photos). They go with the
    timeline entry `event_id` (the report, the resolution), or with one of their own.

    The photos are read before the transaction (decoding takes a while); the rows, the
    timeline entry and the audit entry are written in one, and the stored files are
    deleted again when it fails."""
    if stage not in AttachmentStage.values:
        raise ValidationError({"stage": [_("Choose report or resolution.")]})
    photos = photo_files.read_photos(files)
    if not photos:
        raise ValidationError({"files": [_("Choose at least one photo.")]})
    with photo_files.removed_on_failure() as stored, transaction.atomic():
        case = _load(actor, case_id)
        # Locked, so that two uploads at once cannot pass the limit together.
        list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk"))
        _check_attaching(actor, case, stage)
        already = Attachment.objects.filter(case=case, stage=stage).count()
        now = timezone.now()
        if event_id is not None:
            event = CaseEvent.objects.filter(pk=event_id, case=case).first()
            if event is None:
                raise ValidationError({"event": [_("No such entry in this case's timeline.")]})
        else:
            event = CaseEvent.objects.create(
                case=case,
                kind=EventKind.ATTACHED,
                actor=actor if actor is not None and actor.is_authenticated else None,
                actor_name=_actor_name(actor),
                at=now,
                data={"stage": stage, "count": len(photos)},
            )
        return _store_photos(
            actor=actor,
            case=case,
            event=event,
            stage=stage,
            photos=photos,
            now=now,
            stored=stored,
            already=already,
        )
