"""The progress of a background job (an import, an export): how far it is, kept in the
queue's own storage (Huey's result store, shared by every consumer and web worker) while
it runs, and read by its page's progress bar."""

from __future__ import annotations

from huey.contrib.djhuey import HUEY


def _key(kind: str, job_id: int) -> str:
    return f"yiwang:{kind}-progress:{job_id}"


def put(kind: str, job_id: int, done: int, total: int) -> None:
    HUEY.put(_key(kind, job_id), (done, total))


def get(kind: str, job_id: int) -> tuple[int, int] | None:
    value = HUEY.get(_key(kind, job_id), peek=True)
    return tuple(value) if value else None


def clear(kind: str, job_id: int) -> None:
    HUEY.get(_key(kind, job_id))  # reading without peek removes it
