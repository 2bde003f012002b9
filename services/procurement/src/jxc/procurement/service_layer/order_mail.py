"""Sending a purchase order to its supplier: a plain-text body and the lines
as an XLSX (or CSV) attachment, through ``jxc.platform.mail``."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from openpyxl import Workbook

from jxc.platform.errors import Conflict
from jxc.platform.mail import Attachment, OutgoingMail, send_mail
from jxc.platform.settings import ServiceSettings

SheetFormat = Literal["xlsx", "csv"]
HEADER = ("line", "sku", "product", "unit", "quantity", "unit price", "tax rate", "net", "tax",
          "total")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(order: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    return [(line["line_no"], line["sku"], line["name"], line["unit"], f"{line['quantity']:.4f}",
             f"{line['unit_price']:.4f}", f"{line['tax_rate']:.4f}", f"{line['net']:.2f}",
             f"{line['tax']:.2f}", f"{line['total']:.2f}") for line in order["lines"]]


def attachment(order: Mapping[str, Any], sheet: SheetFormat) -> Attachment:
    rows = _rows(order)
    if sheet == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADER)
        writer.writerows(rows)
        return Attachment(f"{order['number']}.csv", text.getvalue().encode("utf-8-sig"),
                          "text/csv")
    book = Workbook()
    page = book.active
    assert page is not None
    page.title = order["number"]
    page.append(HEADER)
    for row in rows:
        page.append(row)
    out = io.BytesIO()
    book.save(out)
    return Attachment(f"{order['number']}.xlsx", out.getvalue(), XLSX)


def body(order: Mapping[str, Any]) -> str:
    expected = order["expected_at"]
    lines: Sequence[str] = [
        f"Purchase order {order['number']} (revision {order['revision']})",
        f"Supplier: {order['supplier_name']}",
        f"Deliver to: {order['warehouse_name'] or order['warehouse_id']}",
        f"Expected: {expected:%Y-%m-%d}" if expected else "Expected: as agreed",
        "",
        *(f"{line['line_no']:>3}. {line['sku']} {line['name']}: {line['quantity']:.4f} "
          f"{line['unit']} x {line['unit_price']:.4f} = {line['net']:.2f}"
          for line in order["lines"]),
        "",
        f"Net {order['net']:.2f} {order['currency']}, tax {order['tax']:.2f}, "
        f"total {order['total']:.2f} {order['currency']}",
    ]
    if order["note"]:
        lines = [*lines, "", str(order["note"])]
    return "\n".join(lines) + "\n"


async def send(settings: ServiceSettings, order: Mapping[str, Any], sheet: SheetFormat,
               to: str | None) -> str:
    """Mail the order to ``to`` or the supplier's address; the Message-ID."""
    recipient = to or order["supplier_email"]
    if not recipient:
        raise Conflict("the supplier has no email address; give one in 'to'",
                       code="no_supplier_email")
    return await send_mail(settings, OutgoingMail(
        to=(recipient,), subject=f"Purchase order {order['number']}", text=body(order),
        attachments=(attachment(order, sheet),)))
