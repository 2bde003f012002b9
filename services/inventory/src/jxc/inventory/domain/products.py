"""The product master: what a product is and the rules for changing it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from jxc.inventory.domain import barcodes as gtin
from jxc.inventory.domain.units import UnitConversion, UnitRuleBroken, UnitSet

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
MAX_NAME_LENGTH = 200
MAX_PRICE = Decimal(10) ** 14
MAX_BARCODES = 50
MAX_SHELF_LIFE_DAYS = 36_500


class CostingMethod(StrEnum):
    AVERAGE = "average"
    FIFO = "fifo"


class ProductRuleBroken(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Product:
    """A product. ``barcodes`` are normalised GTINs, the primary one first;
    ``barcode_units`` says which of them mean a unit other than the base unit
    (the GTIN-14 printed on a case means one 箱)."""

    sku: str
    name: str
    unit: str
    costing_method: CostingMethod = CostingMethod.AVERAGE
    sale_price: Decimal = Decimal("0")
    currency: str = "CNY"
    tax_rate: Decimal = Decimal("0.13")
    barcodes: tuple[str, ...] = ()
    barcode_units: tuple[tuple[str, str], ...] = ()
    units: tuple[UnitConversion, ...] = ()
    category_id: uuid.UUID | None = None
    lot_tracked: bool = False
    shelf_life_days: int | None = None
    active: bool = True
    version: int = 1
    unit_set: UnitSet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not SKU_PATTERN.match(self.sku):
            raise ProductRuleBroken("sku", "letters, digits and . _ - / only, at most 64")
        if not self.name.strip():
            raise ProductRuleBroken("name", "must not be blank")
        if len(self.name) > MAX_NAME_LENGTH:
            raise ProductRuleBroken("name", f"at most {MAX_NAME_LENGTH} characters")
        if not CURRENCY_PATTERN.match(self.currency):
            raise ProductRuleBroken("currency", "an ISO 4217 code such as CNY")
        if not self.sale_price.is_finite() or self.sale_price < 0:
            raise ProductRuleBroken("sale_price", "must not be negative")
        if self.sale_price >= MAX_PRICE or _places(self.sale_price) > 4:
            raise ProductRuleBroken("sale_price", "at most 4 decimal places and below "
                                                  "100,000,000,000,000")
        if not self.tax_rate.is_finite() or not Decimal("0") <= self.tax_rate < Decimal("1"):
            raise ProductRuleBroken("tax_rate", "a fraction between 0 and 1, e.g. 0.13")
        if _places(self.tax_rate) > 4:
            raise ProductRuleBroken("tax_rate", "at most 4 decimal places, e.g. 0.1300")
        try:
            unit_set = UnitSet(self.unit, tuple(self.units))
        except UnitRuleBroken as exc:
            raise ProductRuleBroken(exc.field, str(exc)) from exc
        object.__setattr__(self, "unit", unit_set.base)
        object.__setattr__(self, "units", tuple(sorted(unit_set.conversions,
                                                       key=lambda c: (c.factor, c.unit))))
        object.__setattr__(self, "unit_set", unit_set)
        codes, meanings = _checked_barcodes(self.barcodes, self.barcode_units, unit_set)
        object.__setattr__(self, "barcodes", codes)
        object.__setattr__(self, "barcode_units", meanings)
        if self.shelf_life_days is not None:
            if isinstance(self.shelf_life_days, bool) or not 0 < self.shelf_life_days <= \
                    MAX_SHELF_LIFE_DAYS:
                raise ProductRuleBroken("shelf_life_days",
                                        f"a whole number of days from 1 to {MAX_SHELF_LIFE_DAYS}")
            if not self.lot_tracked:
                raise ProductRuleBroken("shelf_life_days", "a shelf life needs lot tracking "
                                                           "(lot_tracked: true)")

    @property
    def barcode(self) -> str | None:
        """The primary barcode (the first)."""
        return self.barcodes[0] if self.barcodes else None

    def barcode_unit(self, code: str) -> str:
        """The unit one scan of ``code`` counts (the base unit unless said otherwise)."""
        return dict(self.barcode_units).get(code, self.unit)

    def to_base(self, quantity: Decimal, unit: str) -> Decimal:
        """``quantity`` of ``unit`` in the base unit, exactly."""
        try:
            return self.unit_set.to_base(quantity, unit)
        except UnitRuleBroken as exc:
            raise ProductRuleBroken(exc.field, str(exc)) from exc

    def changed(self, **changes: Any) -> Product:
        """A new version with ``changes`` applied; the SKU never changes.

        ``None`` leaves a field as it is, except where it means "none":
        ``category_id`` and ``shelf_life_days`` are cleared, ``barcode``
        (the primary barcode) is removed, ``barcodes`` and ``units`` become empty.
        ``barcode`` replaces the primary barcode and keeps the others;
        ``barcodes`` replaces them all.
        """
        if "sku" in changes and changes.pop("sku") != self.sku:
            raise ProductRuleBroken("sku", "a product's SKU cannot change")
        unknown = set(changes) - {f.name for f in fields(self) if f.init} - {"barcode"}
        if unknown:
            raise ProductRuleBroken(sorted(unknown)[0], "not a product field")
        updates: dict[str, Any] = {}
        for name, value in changes.items():
            if name in ("category_id", "shelf_life_days"):
                updates[name] = value
            elif name in ("barcodes", "units", "barcode_units"):
                updates[name] = tuple(value or ())
            elif value is not None and name not in ("barcode", "version"):
                updates[name] = value
        codes = updates.get("barcodes", self.barcodes)
        if "barcode" in changes:
            codes = _with_primary(codes, changes["barcode"])
        if "barcodes" in updates or "barcode" in changes:
            updates["barcodes"] = codes
            if "barcode_units" not in updates:
                updates["barcode_units"] = _units_for(codes, self.barcode_units)
        return replace(self, **updates, version=self.version + 1)


def _places(value: Decimal) -> int:
    """Decimal places that carry a digit (12.5000 has 1)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _normalised(code: str) -> str:
    try:
        return gtin.normalise(code)
    except gtin.BarcodeInvalid as exc:
        raise ProductRuleBroken("barcodes", str(exc)) from exc


def _with_primary(codes: tuple[str, ...], primary: str | None) -> tuple[str, ...]:
    rest = codes[1:]
    if primary is None:
        return rest
    wanted = _normalised(primary)
    return (wanted, *(c for c in rest if c != wanted))


def _units_for(codes: Iterable[str], meanings: tuple[tuple[str, str], ...]) -> tuple[
        tuple[str, str], ...]:
    """The barcode meanings that still apply once the barcodes are ``codes``."""
    kept = set()
    for code in codes:
        try:
            kept.add(gtin.normalise(code))
        except gtin.BarcodeInvalid:
            continue
    return tuple((code, unit) for code, unit in meanings if code in kept)


def _checked_barcodes(codes: Iterable[str], meanings: Iterable[tuple[str, str]],
                      unit_set: UnitSet) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Normalise and de-duplicate the barcodes (first occurrence wins) and check
    that each barcode's unit is one the product is counted in."""
    ordered: list[str] = []
    for code in codes:
        if not isinstance(code, str):
            raise ProductRuleBroken("barcodes", "a barcode is a string of digits")
        normal = _normalised(code)
        if normal not in ordered:
            ordered.append(normal)
    if len(ordered) > MAX_BARCODES:
        raise ProductRuleBroken("barcodes", f"at most {MAX_BARCODES} barcodes per product")
    units: dict[str, str] = {}
    for code, unit in meanings:
        normal = _normalised(code)
        if normal not in ordered:
            raise ProductRuleBroken("barcodes", f"barcode {code!r} has a unit but is not one "
                                                "of the product's barcodes")
        if not unit_set.knows(unit):
            raise ProductRuleBroken("barcodes", f"barcode {code!r} means unit {unit!r}, which "
                                                f"the product is not counted in (units: "
                                                f"{', '.join(unit_set.names)})")
        if units.get(normal, unit) != unit:
            raise ProductRuleBroken("barcodes", f"barcode {code!r} is given two units")
        units[normal] = unit
    meaning = tuple((code, units[code]) for code in ordered
                    if code in units and units[code] != unit_set.base)
    return tuple(ordered), meaning
