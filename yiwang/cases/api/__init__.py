"""API v1 of cases, a module a part: cases (the cases, their transitions, photos, inbox and
duplicates), categories (the categories and departments), notices, rates (the work of the
rates and overdue actions of CaseViewSet), and Open311 GeoReport v2 (open311, mounted under
/open311/v2/ by public_urls). The viewsets and CaseSerializer are named here too."""

from yiwang.cases.api.cases import CaseSerializer, CaseViewSet
from yiwang.cases.api.categories import CategoryViewSet, DepartmentViewSet
from yiwang.cases.api.notices import NoticeViewSet

__all__ = [
    "CaseSerializer",
    "CaseViewSet",
    "CategoryViewSet",
    "DepartmentViewSet",
    "NoticeViewSet",
]
