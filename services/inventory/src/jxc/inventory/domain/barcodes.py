"""GS1 barcodes (GTINs): EAN-8, UPC-A, EAN-13 and GTIN-14.

Every GTIN ends in a GS1 mod-10 check digit. A product is looked up by the
*normalised* form of its barcode, so that the UPC-A a US supplier prints
(``036000291452``), the EAN-13 a scanner reports for it (``0036000291452``)
and a GTIN-14 with indicator digit 0 (``00036000291452``) all find the same
product:

- UPC-A (12 digits) becomes its EAN-13 form: a leading 0;
- a GTIN-14 whose indicator digit is 0 becomes its EAN-13 form: the 0 dropped;
- EAN-8, EAN-13 and other GTIN-14s (case codes, indicator 1–9) stay as they are.
"""

from __future__ import annotations

LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}


class BarcodeInvalid(ValueError):
    """The text is not a GTIN, or its check digit is wrong."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"barcode {code!r}: {reason}")
        self.code = code
        self.reason = reason


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (every digit but the last):
    weights 3, 1, 3, … from the right, the digit that rounds the sum up to a
    multiple of 10."""
    if not body.isascii() or not body.isdigit():
        raise ValueError("a GTIN body is digits only")
    total = sum(int(digit) * (3 if position % 2 == 0 else 1)
                for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def kind(code: str) -> str:
    """``EAN-8``, ``UPC-A``, ``EAN-13`` or ``GTIN-14`` for a valid code."""
    return LENGTHS[len(validate(code))]


def validate(code: str) -> str:
    """``code`` without surrounding spaces if it is a GTIN with the right check
    digit; otherwise :class:`BarcodeInvalid` says what is wrong."""
    text = code.strip()
    if not text:
        raise BarcodeInvalid(code, "must not be blank")
    if not text.isascii() or not text.isdigit():
        raise BarcodeInvalid(code, "digits only (EAN-8, UPC-A, EAN-13 or GTIN-14)")
    if len(text) not in LENGTHS:
        raise BarcodeInvalid(code, f"{len(text)} digits; a GTIN has 8 (EAN-8), 12 (UPC-A), "
                                   "13 (EAN-13) or 14 (GTIN-14)")
    expected = check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise BarcodeInvalid(code, f"wrong check digit for an {LENGTHS[len(text)]}: "
                                   f"ends in {text[-1]}, should end in {expected}")
    return text


def normalise(code: str) -> str:
    """The form a barcode is stored and looked up by (see the module doc);
    raises :class:`BarcodeInvalid` for anything that is not a valid GTIN."""
    text = validate(code)
    if len(text) == 12:
        return "0" + text
    if len(text) == 14 and text[0] == "0":
        return text[1:]
    return text


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except BarcodeInvalid:
        return False
    return True
