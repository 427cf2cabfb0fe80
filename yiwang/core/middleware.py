"""Marks the audit entries written during a request as coming from the pages or the API."""

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = AuditSource.API if request.path.startswith("/api/") else AuditSource.WEB
        with audit_source(source):
            return self.get_response(request)
