"""The ledger import's error file as someone who may not see it in full gets it: the ID
numbers, phones and birth dates of the rejected rows masked as the ledger masks them."""

from __future__ import annotations

from yiwang.core import exports
from yiwang.core.import_files import error_file_masker
from yiwang.core.masking import mask_birth_date, mask_id_number, mask_phone
from yiwang.registry.importers.reading import read_ledger

# Every birth date is masked, whether or not its row gives an ID number: the person may
# have one in the ledger, whose masked digits the full date would complete.
_MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "birth_date": mask_birth_date,
}


@error_file_masker("ledger")
def masked_error_file(content: bytes) -> bytes:
    ledger = read_ledger(content, "errors.xlsx")
    masked = {ledger.columns[name]: mask for name, mask in _MASKS.items() if name in ledger.columns}

    def row(cells: list[str]) -> list[str]:
        return [
            masked[i](cell) if i in masked and cell else exports.unescape_cell(cell)
            for i, cell in enumerate(cells)
        ]

    return exports.write_table(
        exports.XLSX, ledger.header, (row(cells) for _number, cells in ledger.rows)
    )
