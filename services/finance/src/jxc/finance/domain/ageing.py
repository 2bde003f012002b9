"""Ageing of open receivables and payables by days past due."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def bucket(due_on: date, as_of: date) -> str:
    late = (as_of - due_on).days
    if late <= 0:
        return "current"
    if late <= 30:
        return "1-30"
    if late <= 60:
        return "31-60"
    if late <= 90:
        return "61-90"
    return "90+"


def age(open_items: Iterable[tuple[date, Decimal]], as_of: date) -> dict[str, Decimal]:
    totals = {name: Decimal("0.00") for name in BUCKETS}
    for due_on, amount in open_items:
        totals[bucket(due_on, as_of)] += amount
    return totals
