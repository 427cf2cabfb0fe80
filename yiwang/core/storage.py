"""Where the uploaded and generated files live (photos, announcement attachments, exports,
monthly reports): the default storage, which is the local disk under MEDIA_ROOT on one
machine, or an S3-compatible object store (MinIO, Ceph RGW, a cloud OSS) when
`S3_BUCKET` is set, so that app servers keep no files of their own and any of them can
serve any file. Objects are private and never served from a URL of the store: Yiwang's
scoped views read them through the storage.

A store that cannot be reached or refuses a write must not leave half a write behind nor
hang a request: `s3_backend` sets short timeouts and few retries; `guarded` turns the
store's failures into `StorageUnavailable` (a ValidationError with a Chinese message, so
a form shows it, the API answers 503, a download page answers 503); `removed_on_failure`
deletes the files a write stored when the write fails, since the database rolls back and
the store does not.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)
# The files of the write under way (removed_on_failure), for a write nested in it.
_writing: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "yiwang_files_written", default=None
)

S3_BACKEND = "storages.backends.s3.S3Storage"


def s3_backend(
    *,
    bucket: str,
    endpoint_url: str = "",
    access_key: str = "",
    secret_key: str = "",
    region: str = "",
    verify: str = "",
    connect_timeout: float = 3,
    read_timeout: float = 10,
    attempts: int = 2,
) -> dict:
    """The STORAGES entry of an S3-compatible store: private objects (no ACL of their own,
    so the bucket's private default), no public or signed URL handed out, names never
    overwritten (as on the disk), path-style addressing for a store at its own endpoint
    (MinIO, Ceph), and a dead store given up on within seconds."""
    from botocore.config import Config

    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": region or None,
            "verify": verify or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # Files read back spill to a temporary file past 5 MB rather than sit in memory.
            "max_memory_size": 5 * 1024 * 1024,
            "client_config": Config(
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"max_attempts": attempts, "mode": "standard"},
                s3={"addressing_style": "path" if endpoint_url else "auto"},
                signature_version="s3v4",
            ),
        },
    }


def uses_object_storage(storage=None) -> bool:
    """Whether the storage (the default one unless given) is an S3-compatible store."""
    from django.core.files.storage import default_storage
    from storages.backends.s3 import S3Storage

    return isinstance(storage if storage is not None else default_storage, S3Storage)


class StorageUnavailable(ValidationError):
    """The file store could not be reached or refused the operation. A ValidationError,
    so that the pages that show a service's errors on their form show this one too; the
    API answers it with 503 (yiwang.core.api.exception_handler) and a page that serves a
    file with a 503 page (yiwang.core.middleware.StorageUnavailableMiddleware)."""

    def __init__(self):
        super().__init__(
            _("The file storage cannot be reached just now; nothing was saved. Try again later."),
            code="storage_unavailable",
        )


def store_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the store failed: botocore's (no connection, a timeout, an
    error answer), and the disk's (full, read-only, no permission). A file that is not
    there is no failure of the store: FileNotFoundError is left to the caller."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError, OSError)


def is_store_error(exc: BaseException) -> bool:
    return isinstance(exc, store_errors()) and not isinstance(exc, FileNotFoundError)


def log_failure(exc: BaseException, path: str = "") -> None:
    """A failure of the store answered 503: the operator sees its cause (an access denied,
    a missing bucket, a dead endpoint) in the log; one already logged by `guarded` is not
    logged twice."""
    if isinstance(exc, StorageUnavailable):
        return
    code = ""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code", "")
    logger.warning("file storage failed on %s: %s %s", path or "-", type(exc).__name__, code)


@contextlib.contextmanager
def guarded():
    """Runs storage calls, turning a failure of the store into StorageUnavailable (logged
    with its cause, which the user never sees)."""
    try:
        yield
    except Exception as exc:
        if not is_store_error(exc):
            raise
        logger.warning("file storage failed: %s: %s", type(exc).__name__, exc)
        raise StorageUnavailable() from exc


def delete_quietly(storage, names) -> None:
    """Deletes the files, logging (never raising) the ones that cannot be: it runs while
    another error is on its way up, which must not be hidden."""
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("could not delete %s after a failed write", name)


@contextlib.contextmanager
def removed_on_failure(storage=None):
    """The list of the files a write stores (append each name once it is stored), deleted
    again when the write fails: the database rolls back, the storage does not. Put it
    around the transaction, so that a failed commit is caught too."""
    from django.core.files.storage import default_storage

    stored: list[str] = []
    outer = _writing.get()
    token = _writing.set(stored)
    try:
        yield stored
    except BaseException:
        _writing.reset(token)
        delete_quietly(storage if storage is not None else default_storage, stored)
        raise
    _writing.reset(token)
    if outer is not None:
        # A write within a write (a visit that reports a case with its photos): its files
        # are the outer write's too, removed if that one fails after it.
        outer.extend(stored)
