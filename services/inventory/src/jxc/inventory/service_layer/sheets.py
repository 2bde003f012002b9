"""Reading an uploaded sheet: a CSV (UTF-8, header row) or an .xlsx workbook
(first sheet, header row) into rows keyed by column, within size limits, with
every header problem reported at once."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from jxc.platform.errors import InvalidInput, Problem

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PayloadTooLarge(Problem):
    status, code, title = 413, "payload_too_large", "The upload is too large"


@dataclass
class SheetRow:
    number: int
    cells: dict[str, str]


def file_error(message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": "file", "in": "body", "message": message}])


# ---------------------------------------------------------------
def read_sheet(data: bytes, filename: str | None, content_type: str | None, *,
               columns: Sequence[str], required: Sequence[str]) -> list[SheetRow]:
    """The data rows of a CSV or .xlsx file, keyed by column; blank rows skipped."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; "
                              "split it into several imports")
    if not data.strip():
        raise file_error("the file is empty")
    name = (filename or "").lower()
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error("old .xls workbooks are not read; save it as .xlsx or CSV (UTF-8)")
    if name.endswith(".xlsx") or content_type == XLSX_TYPE or data.startswith(b"PK\x03\x04"):
        return _rows(_xlsx_lines(data), columns, required)
    return _rows(_csv_lines(data), columns, required)


def _csv_lines(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise file_error("the CSV is not UTF-8 text (save it as 'CSV UTF-8'; GBK is not "
                          "read)") from exc
    if "\x00" in text:
        raise file_error("the CSV contains NUL characters; is it really a CSV file?")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise file_error(f"the CSV cannot be read: {exc}") from exc


def _xlsx_lines(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any way an untrusted file can be broken is the caller's
        raise file_error("the file is not a readable .xlsx workbook") from exc
    try:
        if not book.worksheets:
            raise file_error("the workbook has no sheet")
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except Problem:
        raise
    except Exception as exc:
        raise file_error("the .xlsx workbook cannot be read") from exc
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person typed. Excel keeps numbers as
    binary floats; the shortest text that round-trips (repr) is what was typed,
    so that text — never the float — becomes the Decimal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _rows(lines: Iterable[list[str]], columns: Sequence[str],
          required: Sequence[str]) -> list[SheetRow]:
    header: list[str] | None = None
    rows: list[SheetRow] = []
    for number, line in enumerate(lines, start=1):
        cells = [cell.strip() for cell in line]
        if not any(cells):
            continue
        if header is None:
            header = _header(number, cells, columns, required)
            continue
        if len(rows) >= MAX_ROWS:
            raise PayloadTooLarge(f"the file has more than {MAX_ROWS:,} rows; split it into "
                                  "several imports")
        extra = [cell for cell in cells[len(header):] if cell]
        row = SheetRow(number, {name: (cells[i] if i < len(cells) else "")
                                for i, name in enumerate(header) if name})
        if extra:
            row.cells["\x00extra"] = "|".join(extra)
        rows.append(row)
    if header is None:
        raise file_error("the file is empty")
    return rows


def _header(number: int, cells: list[str], columns: Sequence[str],
            required: Sequence[str]) -> list[str]:
    names = [cell.lower().lstrip("\ufeff") for cell in cells]
    errors = []
    seen: set[str] = set()
    for name in names:
        if name and name not in columns:
            errors.append({"row": number, "field": name, "message": "unknown column; the "
                           f"columns are {', '.join(columns)}"})
        elif name in seen:
            errors.append({"row": number, "field": name, "message": "the column is there twice"})
        seen.add(name)
    errors += [{"row": number, "field": name, "message": f"the header has no {name} column"}
               for name in required if name not in names]
    if errors:
        raise InvalidInput("the header row is not valid; nothing was imported", errors=errors)
    return names
