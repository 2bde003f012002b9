"""What a scanner hands us: a plain GTIN barcode, or a GS1-128 / DataMatrix
element string carrying the GTIN (AI 01), a lot (AI 10) and an expiry date
(AI 17, YYMMDD; day 00 means the end of the month)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from jxc.inventory.domain.barcodes import BarcodeInvalid, normalise

GROUP_SEPARATOR = "\x1d"
SYMBOLOGY_PREFIXES = ("]C1", "]d2", "]Q3", "]e0")
FIXED_LENGTH = {"01": 14, "02": 14, "11": 6, "13": 6, "15": 6, "17": 6}
BRACKETED = re.compile(r"\((\d{2,4})\)([^(]*)")


@dataclass(frozen=True)
class Scan:
    gtin: str
    """Normalised (see domain/barcodes.py)."""
    lot: str | None = None
    expires_on: date | None = None


def _expiry(text: str, code: str) -> date:
    if len(text) != 6 or not text.isdigit():
        raise BarcodeInvalid(code, "AI 17 (expiry) is YYMMDD")
    year, month, day = 2000 + int(text[:2]), int(text[2:4]), int(text[4:])
    if not 1 <= month <= 12:
        raise BarcodeInvalid(code, f"AI 17 has month {month:02d}")
    last = calendar.monthrange(year, month)[1]
    if day == 0:
        day = last
    if day > last:
        raise BarcodeInvalid(code, f"AI 17 has day {day:02d}")
    return date(year, month, day)


def _elements(text: str, code: str) -> dict[str, str]:
    if text.startswith("("):
        found = {ai: value for ai, value in BRACKETED.findall(text)}
        if "".join(f"({ai}){value}" for ai, value in BRACKETED.findall(text)) != text:
            raise BarcodeInvalid(code, "not a GS1 element string")
        return found
    elements: dict[str, str] = {}
    rest = text
    while rest:
        ai = rest[:2]
        if ai in FIXED_LENGTH:
            size = FIXED_LENGTH[ai]
            elements[ai], rest = rest[2:2 + size], rest[2 + size:]
        elif ai in ("10", "21"):
            value, _, rest = rest[2:].partition(GROUP_SEPARATOR)
            elements[ai] = value
        else:
            raise BarcodeInvalid(code, f"unsupported application identifier {ai}")
        rest = rest.lstrip(GROUP_SEPARATOR)
    return elements


def parse(code: str) -> Scan:
    """The GTIN, lot and expiry in ``code``; :class:`BarcodeInvalid` says why not."""
    text = code.strip()
    for prefix in SYMBOLOGY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    if text.isdigit() and len(text) in (8, 12, 13, 14):
        return Scan(gtin=normalise(text))
    elements = _elements(text, code)
    if "01" not in elements:
        raise BarcodeInvalid(code, "no GTIN (AI 01) in the element string")
    lot = elements.get("10") or None
    if lot is not None and len(lot) > 20:
        raise BarcodeInvalid(code, "AI 10 (lot) has at most 20 characters")
    expiry = _expiry(elements["17"], code) if "17" in elements else None
    return Scan(gtin=normalise(elements["01"]), lot=lot, expires_on=expiry)
