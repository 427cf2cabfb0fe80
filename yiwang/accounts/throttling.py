"""Login throttling by address: django-axes locks a username tried too often from one
address (AXES_FAILURE_LIMIT); this handler also locks the address itself once it has
failed AXES_ADDRESS_FAILURE_LIMIT times over any usernames within the cool-off, so that
one address cannot try a few passwords on each of many accounts. The login page and the
token endpoint share it (both authenticate through axes)."""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def address_failures(request) -> int:
    """Failed logins from the request's address within the cool-off, any username."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    total = (
        AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
        )
        .aggregate(n=Sum("failures_since_start"))
        .get("n")
    )
    return total or 0


def address_locked(request) -> bool:
    return address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT


class AddressLimitHandler(AxesDatabaseHandler):
    """Axes' database handler, with an address over its own limit counted as locked."""

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        if address_locked(request):
            # Reported as the username's limit: axes then locks (and answers) as usual.
            return max(failures, get_failure_limit(request, credentials))
        return failures
