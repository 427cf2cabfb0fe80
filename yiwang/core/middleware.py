"""The middleware of every request: its id (in every log line written while serving it),
where its audit entries come from (the pages or the API), that its answer is kept in no
cache, and a 503 page when the file storage fails."""

import re
import uuid

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from yiwang.core import storage
from yiwang.core.audit import audit_source
from yiwang.core.logs import request_id
from yiwang.core.models import AuditSource

# An id the proxy may pass (nginx's $request_id: 32 hex digits): short, and nothing that
# could break a log line or a header.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """The request's id: the proxy's `X-Request-ID` when it is a safe one, else a new one
    (uuid4, 32 hex digits). Log records written while the request is served carry it
    (yiwang.core.logs.RequestId), the answer sends it back in `X-Request-ID`, and
    gunicorn's access line prints it, so that one request's lines are found together and
    a user's report ("the page said error …") leads to them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = AuditSource.API if request.path.startswith("/api/") else AuditSource.WEB
        with audit_source(source):
            return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer that does not say how it may be cached:
    pages, API responses, export and error-file downloads carry personal data, which must
    not stay in the browser's cache of a shared office computer, nor in a proxy's. Static
    files never come here (WhiteNoise, above this middleware, answers them with their own
    long caching), and a view that sets its own Cache-Control keeps it: the public map's
    boundaries (public), the photos (private, by their unchanging addresses), the service
    worker (no-cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class StorageUnavailableMiddleware:
    """A page that could not read or write a file because the file storage is down (no
    connection, a timeout, an error answer) answers 503 with a Chinese message, never
    a 500 with a stack trace. The API answers its own 503 (yiwang.core.api)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from botocore.exceptions import BotoCoreError, ClientError

        if not isinstance(exception, storage.StorageUnavailable | BotoCoreError | ClientError):
            return None
        storage.log_failure(exception, request.path)
        message = storage.StorageUnavailable().messages[0]
        return render(request, "503_storage.html", {"message": message}, status=503)
