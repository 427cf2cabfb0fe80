"""The ledger import as a background job of core.imports (kind "ledger"): the preview and
the import of an uploaded file, the rejected rows kept as an XLSX error file."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from yiwang.core.imports import TooManyErrors, importer, max_errors
from yiwang.registry.importers.errors import error_file
from yiwang.registry.importers.ledger import import_ledger
from yiwang.registry.importers.planning import NEW, UNCHANGED, UPDATED
from yiwang.registry.importers.reading import read_ledger


@importer("ledger")
def import_ledger_file(job, progress) -> tuple[dict, list[str]]:
    """An uploaded ledger file, into the units under the area it was uploaded on. A dry-run
    job is the preview; the rejected rows are kept with the job as an XLSX error file."""
    from yiwang.core.models import ImportJob

    try:
        ledger = read_ledger(bytes(job.data), job.filename)
        report = import_ledger(
            actor=job.created_by,
            rows=ledger.records(),
            labels=ledger.labels,
            within=job.area_code,
            dry_run=job.dry_run,
            progress=progress,
            max_errors=max_errors(),
        )
    except ValidationError as exc:  # the file, or a row far down in it, cannot be read
        return {}, list(exc.messages)
    except TooManyErrors as exc:  # the first rejected rows are kept, and handed back
        ImportJob.objects.filter(pk=job.pk).update(
            error_file=error_file(ledger, exc.errors, "xlsx")
        )
        raise TooManyErrors([str(e) for e in exc.errors], exc.result) from None
    if report.errors:
        ImportJob.objects.filter(pk=job.pk).update(
            error_file=error_file(ledger, report.errors, "xlsx")
        )
    result = report.counts()
    # Households with a bad row are rejected whole; the others went in (or would).
    result["partial"] = any(result["households"][k] for k in (NEW, UPDATED, UNCHANGED))
    return result, [str(e) for e in report.errors]
