"""The product master: what a product is and the rules for changing it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")


class CostingMethod(StrEnum):
    AVERAGE = "average"
    FIFO = "fifo"


class ProductRuleBroken(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    unit: str
    costing_method: CostingMethod = CostingMethod.AVERAGE
    sale_price: Decimal = Decimal("0")
    currency: str = "CNY"
    tax_rate: Decimal = Decimal("0.13")
    barcode: str | None = None
    active: bool = True
    version: int = 1

    def __post_init__(self) -> None:
        if not SKU_PATTERN.match(self.sku):
            raise ProductRuleBroken("sku", "letters, digits and . _ - / only, at most 64")
        if not self.name.strip():
            raise ProductRuleBroken("name", "must not be blank")
        if not self.unit.strip():
            raise ProductRuleBroken("unit", "must not be blank")
        if self.sale_price < 0:
            raise ProductRuleBroken("sale_price", "must not be negative")
        if not Decimal("0") <= self.tax_rate < Decimal("1"):
            raise ProductRuleBroken("tax_rate", "a fraction between 0 and 1, e.g. 0.13")

    def changed(self, **changes: Any) -> Product:
        """A new version with ``changes`` applied; the SKU never changes."""
        if "sku" in changes and changes["sku"] != self.sku:
            raise ProductRuleBroken("sku", "a product's SKU cannot change")
        changes = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **changes, version=self.version + 1)
