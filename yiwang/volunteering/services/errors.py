"""The refusals of volunteering's services that the API answers with 409."""

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """Someone else acted first (decided the hours, closed the check-in, claimed or
    fulfilled the wish): nothing was changed. The API answers 409 with the message."""


class Short(Conflict):
    """The fund's balance is short of a pay-out: nothing was changed. The API answers 409
    with the message."""
