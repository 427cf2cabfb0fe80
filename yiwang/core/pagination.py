"""The API's pagination.

Kept out of `yiwang.core.api`: DRF reads DEFAULT_PAGINATION_CLASS while `rest_framework.viewsets`
is being imported, and `yiwang.core.api` imports that module, so naming a class there would be a
circular import.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

# No database skips more rows than this in one query (a 32-bit bound, far past any list).
MAX_OFFSET = 2**31 - 1


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=`, PAGE_SIZE (50) a page by default; never more than 500 a page. A
    limit or an offset that is not a whole number in range is refused with 400, not read
    as the default."""

    max_limit = 500

    def get_limit(self, request):
        text = request.query_params.get(self.limit_query_param)
        if text is None:
            return self.default_limit
        limit = _whole_number(text, self.limit_query_param, low=1, high=MAX_OFFSET)
        return min(limit, self.max_limit)

    def get_offset(self, request):
        text = request.query_params.get(self.offset_query_param)
        if text is None:
            return 0
        return _whole_number(text, self.offset_query_param, low=0, high=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": MAX_OFFSET},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


def _whole_number(text: str, name: str, *, low: int, high: int) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ValidationError(
            {
                name: [
                    _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
                ]
            }
        )
    return int(text)
