"""Background jobs whose consumer died: run once more, then failed.

Huey on Redis hands a task to one consumer, which pops it off the queue: a consumer killed
in the middle of a task (a deploy, a restart, the machine out of memory) takes the task
with it, and no one runs it again. The jobs that carry a row (ImportJob, ExportJob) hold a
lease instead: the consumer that claims one marks it running, counts the attempt and
records a sign of life (`heartbeat_at`), which a thread beside the job renews every BEAT
while it runs, whatever the job is doing. `recover` (the periodic task
`recover_silent_jobs`, once a period across every consumer) finds the running jobs whose
consumer has been silent for longer than LEASE: queued and enqueued again the first time,
failed with a message in Chinese the second. Running an import or an export twice is
harmless (an import changes nothing that went in already, an export writes a new file),
and a run given up cannot overwrite its successor's outcome: the end of a run is written
only while the row still holds that run's attempt.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

# How often a running job's consumer says it is alive, and how long its silence may last.
BEAT = datetime.timedelta(seconds=30)
LEASE = datetime.timedelta(minutes=5)
# A job is claimed this many times at most: run again once after its consumer died.
MAX_ATTEMPTS = 2


def claim(model, job_id: int) -> int | None:
    """Claims a queued job with a conditional UPDATE, so that of several consumers given
    the same job one runs it: its attempt number, None when it was not queued."""
    now = timezone.now()
    claimed = model.objects.filter(pk=job_id, status=model.Status.QUEUED).update(
        status=model.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return model.objects.values_list("attempts", flat=True).get(pk=job_id)


def this_run(model, job_id: int, attempt: int):
    """The job's row while it still belongs to this run (running, this attempt)."""
    return model.objects.filter(pk=job_id, status=model.Status.RUNNING, attempts=attempt)


@contextlib.contextmanager
def heartbeat(model, job_id: int, attempt: int, every: datetime.timedelta = BEAT):
    """Renews the job's sign of life every `every` while the block runs, from a thread of
    its own (with a database connection of its own, closed at the end)."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every.total_seconds()):
                try:
                    this_run(model, job_id, attempt).update(heartbeat_at=timezone.now())
                except Exception:
                    logger.warning("No sign of life recorded for %s %s", model.__name__, job_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def recover(
    model,
    enqueue: Callable[[int], object],
    failed: dict,
    now: datetime.datetime | None = None,
) -> dict:
    """The running jobs silent for longer than LEASE: queued and enqueued again when they
    have attempts left, failed with the fields `failed` (the message) otherwise. Each by a
    conditional UPDATE, so any number of consumers may run it at once."""
    now = now or timezone.now()
    cutoff = now - LEASE
    silent = model.objects.filter(status=model.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None, started_at__lt=cutoff)
    )
    gave_up = silent.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=model.Status.FAILED, finished_at=now, **failed
    )
    requeued = 0
    for job_id, attempt in silent.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", "attempts"):
        # Still silent at the UPDATE: a beat that came meanwhile keeps the job its consumer's.
        still_silent = this_run(model, job_id, attempt).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None, started_at__lt=cutoff)
        )
        before = still_silent.values_list("heartbeat_at", flat=True).first()
        if not still_silent.update(status=model.Status.QUEUED, heartbeat_at=None):
            continue
        try:
            enqueue(job_id)
        except Exception:
            # The queue cannot take it (Redis down): running and silent again, so that the
            # next sweep tries once more.
            model.objects.filter(pk=job_id, status=model.Status.QUEUED, attempts=attempt).update(
                status=model.Status.RUNNING, heartbeat_at=before
            )
            logger.exception(
                "%s %s: could not be queued again; tried at the next sweep.", model.__name__, job_id
            )
            continue
        logger.warning("%s %s: its consumer went silent; queued again.", model.__name__, job_id)
        requeued += 1
    if gave_up:
        logger.warning("%s: %d jobs failed, their consumer silent twice.", model.__name__, gave_up)
    return {"requeued": requeued, "failed": gave_up}
