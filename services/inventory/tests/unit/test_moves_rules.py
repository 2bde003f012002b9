"""Move rules, FEFO, reorder verdicts and GS1 scans: pure domain, no I/O."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from jxc.inventory.domain import gs1
from jxc.inventory.domain.barcodes import BarcodeInvalid
from jxc.inventory.domain.moves import MoveLine, MoveRuleBroken, MoveType, check_lines, fefo
from jxc.inventory.domain.reorder import ReorderRule, StockLevel, assess

D = Decimal
P = uuid.uuid4()
TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(("move_type", "line", "field"), [
    (MoveType.RECEIPT, MoveLine(P, D(1)), "lines[0].unit_cost"),
    (MoveType.ISSUE, MoveLine(P, D(0)), "lines[0].quantity"),
    (MoveType.ISSUE, MoveLine(P, D(-2)), "lines[0].quantity"),
    (MoveType.ADJUSTMENT, MoveLine(P, D(0)), "lines[0].quantity"),
    (MoveType.RECEIPT, MoveLine(P, D(1), D(-1)), "lines[0].unit_cost"),
    (MoveType.RECEIPT, MoveLine(P, D(1), D(1), expires_on=TODAY), "lines[0].expires_on"),
])
def test_bad_lines_name_their_field(move_type: MoveType, line: MoveLine, field: str) -> None:
    with pytest.raises(MoveRuleBroken) as broken:
        check_lines(move_type, [line])
    assert broken.value.field == field


def test_adjustments_may_be_negative() -> None:
    check_lines(MoveType.ADJUSTMENT, [MoveLine(P, D(-3))])
    with pytest.raises(MoveRuleBroken):
        check_lines(MoveType.ISSUE, [])


def test_fefo_takes_the_first_expiring_lots_and_skips_expired_ones() -> None:
    lots = [("NONE", D(10), None), ("LATE", D(5), date(2027, 1, 1)),
            ("SOON", D(2), date(2026, 12, 1)), ("GONE", D(9), date(2026, 11, 1))]
    assert fefo(lots, D(8), TODAY) == [("SOON", D(2)), ("LATE", D(5)), ("NONE", D(1))]
    assert fefo(lots, D(100), TODAY) == [("SOON", D(2)), ("LATE", D(5)), ("NONE", D(10))]


def test_reorder_verdicts_use_projected_stock() -> None:
    rule = ReorderRule(D(10), D(50))
    low = assess(rule, StockLevel(on_hand=D(12), reserved=D(5), incoming=D(0)))
    assert (low.low, low.high, low.suggested_qty) == (True, False, D(43))
    covered = assess(rule, StockLevel(on_hand=D(12), reserved=D(5), incoming=D(20)))
    assert not covered.low
    assert assess(rule, StockLevel(on_hand=D(51), reserved=D(0), incoming=D(0))).high
    with pytest.raises(ValueError):
        ReorderRule(D(5), D(4))


def test_gs1_element_strings() -> None:
    assert gs1.parse("4006381333931") == gs1.Scan("4006381333931")
    assert gs1.parse("036000291452").gtin == "0036000291452"
    bracketed = gs1.parse("(01)04006381333931(10)LOT-7(17)270200")
    assert (bracketed.gtin, bracketed.lot, bracketed.expires_on) == (
        "4006381333931", "LOT-7", date(2027, 2, 28))
    raw = gs1.parse("]C101040063813339311727123110B42\x1d21SERIAL")
    assert (raw.gtin, raw.lot, raw.expires_on) == ("4006381333931", "B42", date(2027, 12, 31))
    for bad in ("4006381333932", "(10)LOT", "(01)04006381333931(17)271301", "99123"):
        with pytest.raises(BarcodeInvalid):
            gs1.parse(bad)
