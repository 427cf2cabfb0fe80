"""Background work of outreach: the visit rules' schedule topped up every night."""

from django.conf import settings
from django.utils import translation
from huey import crontab

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task
from yiwang.outreach.services.schedule import schedule_all_pairings, schedule_rules


@periodic_task(crontab(minute="10", hour="1"))
def schedule_visits() -> dict:
    """Every periodic rule's open scheduled visit for each household it covers (new
    households, new tags), and the rows it no longer asks for closed; every current
    pairing's open row (pairings that started since they were made). Idempotent: on
    several consumers at once, or twice, each household still has one open row (the
    partial unique constraint; conflicting inserts are ignored)."""
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        result = schedule_rules()
        result["pairings"] = schedule_all_pairings()
        return result
