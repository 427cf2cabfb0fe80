"""Importing a ledger file (one row per resident): reading it, checking every row, writing
the households that are whole and right, and handing back the rows that are not.

The file is read twice and never held whole: a first pass notes where each household's
rows end and where each ID number is listed; the second checks the rows and decides each
household as soon as its last row is read, in batches, each batch in one transaction (a
dry run decides and writes nothing). A crash leaves no half household, and running the
import again finishes the job: the ID number is the key of a person, and a row that
matches the ledger changes nothing. Households that the ledger does not know yet, the bulk
of a first import, are written with multi-row INSERTs (COPY on PostgreSQL).
"""

from yiwang.registry.importers.bulk import FRESH_RESIDENT_FIELDS
from yiwang.registry.importers.error_masking import masked_error_file
from yiwang.registry.importers.errors import (
    ERROR_FILE_FORMATS,
    REASON_HEADER,
    ROW_NUMBER_HEADER,
    RowError,
    error_file,
    error_file_format,
)
from yiwang.registry.importers.jobs import import_ledger_file
from yiwang.registry.importers.ledger import (
    ANALYZE_AFTER_ROWS,
    BATCH_ROWS,
    PROGRESS_EVERY,
    LedgerReport,
    import_ledger,
)
from yiwang.registry.importers.planning import NEW, REJECTED, TRANSFERRED, UNCHANGED, UPDATED
from yiwang.registry.importers.reading import (
    FILE_SUFFIXES,
    HEADER_SEARCH_ROWS,
    HEADERS,
    REQUIRED,
    REQUIRED_KEYS,
    LedgerFile,
    read_ledger,
)
from yiwang.registry.importers.rows import (
    CATEGORIES,
    CATEGORY_REASON,
    RELATION_CHOICES,
    RELATIONS,
)

__all__ = [
    "ANALYZE_AFTER_ROWS",
    "BATCH_ROWS",
    "CATEGORIES",
    "CATEGORY_REASON",
    "ERROR_FILE_FORMATS",
    "FRESH_RESIDENT_FIELDS",
    "FILE_SUFFIXES",
    "HEADERS",
    "HEADER_SEARCH_ROWS",
    "NEW",
    "PROGRESS_EVERY",
    "REASON_HEADER",
    "REJECTED",
    "RELATIONS",
    "RELATION_CHOICES",
    "REQUIRED",
    "REQUIRED_KEYS",
    "ROW_NUMBER_HEADER",
    "TRANSFERRED",
    "UNCHANGED",
    "UPDATED",
    "LedgerFile",
    "LedgerReport",
    "RowError",
    "error_file",
    "error_file_format",
    "import_ledger",
    "import_ledger_file",
    "masked_error_file",
    "read_ledger",
]
