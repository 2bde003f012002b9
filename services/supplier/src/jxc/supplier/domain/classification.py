"""Spend classification (ABC): the suppliers that make the first 80 % of the
spend are A, those making the next 15 % are B, the rest (and suppliers
without spend) C."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

SpendClass = Literal["A", "B", "C"]
A_SHARE = Decimal("0.80")
B_SHARE = Decimal("0.95")


@dataclass(frozen=True)
class Classified:
    supplier_id: uuid.UUID
    spend: Decimal
    share: Decimal
    """Of the total spend, 0–1."""
    cumulative_share: Decimal
    """This supplier's and every bigger one's share together."""
    spend_class: SpendClass


def classify(spend: Mapping[uuid.UUID, Decimal]) -> list[Classified]:
    """Biggest spend first (ties by id, so the result is stable). A supplier is
    A while the suppliers ranked before it make less than 80 % of the total,
    B while they make less than 95 %, else C: the supplier that crosses a
    threshold belongs to the class it completes."""
    if any(amount < 0 for amount in spend.values()):
        raise ValueError("spend is never negative")
    total = sum(spend.values(), Decimal(0))
    ranked = sorted(spend.items(), key=lambda item: (-item[1], str(item[0])))
    result: list[Classified] = []
    before = Decimal(0)
    for supplier_id, amount in ranked:
        share_before = before / total if total else Decimal(1)
        if amount == 0:
            spend_class: SpendClass = "C"
        elif share_before < A_SHARE:
            spend_class = "A"
        elif share_before < B_SHARE:
            spend_class = "B"
        else:
            spend_class = "C"
        before += amount
        result.append(Classified(supplier_id, amount, amount / total if total else Decimal(0),
                                 before / total if total else Decimal(0), spend_class))
    return result


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    if months < 0:
        raise ValueError("months must not be negative")
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))
