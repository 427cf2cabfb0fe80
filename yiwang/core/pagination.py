"""The API's pagination.

Kept out of `yiwang.core.api`: DRF reads DEFAULT_PAGINATION_CLASS while `rest_framework.viewsets`
is being imported, and `yiwang.core.api` imports that module, so naming a class there would be a
circular import.
"""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=`, PAGE_SIZE (50) a page by default; never more than 500 a page."""

    max_limit = 500
