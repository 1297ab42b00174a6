"""A list as CSV (the csv module) or as an Excel workbook (openpyxl): the catalogue commands' --format csv|xlsx."""

from __future__ import annotations

import csv
import io
from typing import Any

MAX_CELL = 32_767       # Excel's limit on one cell's text


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue()


def to_xlsx(header: list[str], rows: list[list[Any]], title: str) -> bytes:
    """One sheet: a bold, frozen header row with a filter, then the rows (numbers stay numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([v[:MAX_CELL] if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":              # text that starts with "=" stays text, never a formula
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    for i, name in enumerate(header, 1):
        width = max([len(name)] + [len(str(r[i - 1])) for r in rows[:200] if r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

