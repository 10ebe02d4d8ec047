"""Leads as an Excel workbook: typed cells, Chinese headings, seller text kept as text.

Numbers are number cells, times datetime cells with a date format (local time, as in the
CSV), every text a string cell: a title such as ``=HYPERLINK(…)`` is neutralised by
``store.export.neutralised`` and then written with data type ``s`` so that openpyxl never
stores it as a formula. The sheet is written row by row (openpyxl's write-only mode).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from wcwidth import wcswidth

from store.export import COLUMNS, cell_text, cell_values, neutralised
from store.leads import LeadRow

SHEET_TITLE = "线索"
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
SCORE_FORMAT = "0.##"
#: Column widths in characters (a CJK character counts two), whatever the text.
MIN_WIDTH, MAX_WIDTH = 8, 60
#: The most characters Excel keeps in one cell.
MAX_CELL = 32767
# XML 1.0 cannot carry these control characters; openpyxl refuses them (IllegalCharacterError).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def _text(value: str) -> str:
    """Seller text as a cell can hold it: control characters shown as escapes (ESC ->
    ``\\x1b``, as on a terminal), cut to what Excel keeps."""
    value = _NOT_XML.sub(_visible, value)
    return value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"


def _cell(sheet: WriteOnlyWorksheet, value: object) -> WriteOnlyCell:
    value = neutralised(value)
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=_text(value))
        cell.data_type = "s"  # never a formula, whatever openpyxl guessed from the text
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, float):
        cell.number_format = SCORE_FORMAT
    return cell


def _width(value: object) -> int:
    if isinstance(value, datetime):
        return len(DATE_FORMAT)
    text = cell_text(value)
    width = wcswidth(text)
    return len(text) if width < 0 else width  # -1: a control character somewhere


def write_xlsx(
    rows: Sequence[LeadRow], stream: BinaryIO, labels: Mapping[str, str] | None = None
) -> None:
    """Write ``rows`` to ``stream`` as one sheet 线索: a frozen heading row with filters,
    columns as wide as their contents (within bounds)."""
    labels = labels or {}
    table = [cell_values(row, labels) for row in rows]
    headings = [heading for heading, _ in COLUMNS]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    for i, heading in enumerate(headings):
        widest = max([_width(heading), *(_width(line[i]) for line in table)])
        letter = get_column_letter(i + 1)
        sheet.column_dimensions[letter].width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{len(table) + 1}"
    bold, centred = Font(bold=True), Alignment(horizontal="center")
    heading_cells = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font, cell.alignment = bold, centred
        heading_cells.append(cell)
    sheet.append(heading_cells)
    for line in table:
        sheet.append([_cell(sheet, value) for value in line])
    book.save(stream)
