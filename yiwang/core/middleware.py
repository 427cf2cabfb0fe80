"""The middleware of every request: where its audit entries come from (the pages or the
API), and that its answer is kept in no cache."""

from django.utils.cache import add_never_cache_headers

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource


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
