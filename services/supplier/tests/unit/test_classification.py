"""Spend classification (ABC) and the rolling window's first day."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from jxc.supplier.domain.classification import classify, months_before

D = Decimal


def ids(n: int) -> list[uuid.UUID]:
    return [uuid.UUID(int=i + 1) for i in range(n)]


def test_first_80_percent_is_a_next_15_is_b_rest_c() -> None:
    s = ids(6)
    result = classify({s[0]: D(500), s[1]: D(300), s[2]: D(100), s[3]: D(50), s[4]: D(50),
                       s[5]: D(0)})
    assert [(r.supplier_id, r.spend_class) for r in result] == [
        (s[0], "A"), (s[1], "A"), (s[2], "B"), (s[3], "B"), (s[4], "C"), (s[5], "C")]
    assert [r.cumulative_share for r in result] == [D("0.5"), D("0.8"), D("0.9"), D("0.95"),
                                                    D(1), D(1)]
    assert sum(r.share for r in result) == 1


def test_the_supplier_that_crosses_a_threshold_completes_its_class() -> None:
    big, small = ids(2)
    result = classify({big: D(90), small: D(10)})
    assert [r.spend_class for r in result] == ["A", "B"]


def test_ties_rank_by_id_and_no_spend_at_all_is_c() -> None:
    a, b = ids(2)
    assert [r.supplier_id for r in classify({b: D(1), a: D(1)})] == [a, b]
    assert [r.spend_class for r in classify({a: D(0), b: D(0)})] == ["C", "C"]
    assert classify({}) == []


def test_negative_spend_is_refused() -> None:
    with pytest.raises(ValueError):
        classify({uuid.uuid4(): D(-1)})


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 11, 25), 12, date(2025, 11, 25)),
    (date(2026, 3, 31), 1, date(2026, 2, 28)),
    (date(2024, 3, 31), 1, date(2024, 2, 29)),
    (date(2026, 1, 15), 13, date(2024, 12, 15)),
    (date(2026, 1, 15), 0, date(2026, 1, 15)),
])
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected
