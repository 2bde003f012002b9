"""Worked examples of inventory costing (moving weighted average and FIFO)."""

from decimal import Decimal as D

import pytest

from jxc.inventory.domain.costing import (
    NO_RECEIPT,
    PART_ISSUED,
    CannotReverse,
    CostLayer,
    InsufficientStock,
    StockValue,
    Valuation,
    initial,
    round_money,
)
from jxc.inventory.domain.products import CostingMethod

AVG = CostingMethod.AVERAGE
FIFO = CostingMethod.FIFO


def two_receipts(method: CostingMethod) -> StockValue:
    stock, _ = initial(method).receive(D(10), D(100), "R1")
    stock, _ = stock.receive(D(10), D(200), "R2")
    return stock


def layer(source: str, quantity: str, unit_cost: str, value: str) -> CostLayer:
    return CostLayer(source, D(quantity), D(unit_cost), D(value))


# -- rounding --------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "rounded"), [
    ("0.00005", "0.0001"), ("0.00004999", "0.0000"), ("2.50005", "2.5001"),
    ("-0.00005", "-0.0001"), ("7.5", "7.5000"), ("3.33335", "3.3334"),
])
def test_round_money_is_half_up_to_four_places(raw: str, rounded: str) -> None:
    result = round_money(D(raw))
    assert result == D(rounded)
    assert result.as_tuple().exponent == -4


def test_initial_is_empty() -> None:
    stock = initial(FIFO)
    assert (stock.quantity, stock.value, stock.unit_cost, stock.layers) == (D(0), D(0), D(0), ())


# -- moving weighted average -------------------------------------------------------------------


def test_average_receipts_and_issue() -> None:
    stock = two_receipts(AVG)
    assert (stock.quantity, stock.value, stock.unit_cost) == (D(20), D("3000"), D("150"))
    assert stock.last_unit_cost == D("150.0000")
    assert stock.layers == ()

    stock, valuation = stock.issue(D(5))
    assert valuation.total_cost == D("750.0000")
    assert str(valuation.total_cost) == "750.0000"
    assert str(valuation.unit_cost) == "150.0000"
    assert (stock.quantity, stock.value) == (D(15), D("2250"))
    assert valuation.taken == (layer(NO_RECEIPT, "5", "150", "750"),)


def test_receipt_valuation() -> None:
    _, valuation = initial(AVG).receive(D("2.5"), D("3.3333"), "R1")
    assert valuation == Valuation(D("2.5"), D("8.3333"), D("3.3333"))  # 8.33325 rounds up


def test_unit_cost_with_more_places_is_rounded_only_once() -> None:
    stock, valuation = initial(FIFO).receive(D(3), D("0.33335"), "R1")
    assert valuation.total_cost == D("1.0001")  # 1.00005, half up
    assert stock.layers == (layer("R1", "3", "0.3334", "1.0001"),)
    assert stock.last_unit_cost == D("0.3334")


def test_average_with_a_free_receipt() -> None:
    stock, _ = initial(AVG).receive(D(3), D(10), "R1")
    stock, _ = stock.receive(D(1), D(0), "R2")
    assert (stock.quantity, stock.value, stock.unit_cost) == (D(4), D(30), D("7.5"))


def test_average_keeps_full_precision_and_last_issue_takes_the_rest() -> None:
    stock, _ = initial(AVG).receive(D(1), D(10), "R1")
    stock, _ = stock.receive(D(2), D(0), "R2")
    assert (stock.quantity, stock.value, stock.unit_cost) == (D(3), D(10), D("3.3333"))

    stock, first = stock.issue(D(1))  # 10 / 3 = 3.3333...
    assert first.total_cost == D("3.3333")
    assert stock.value == D("6.6667")
    stock, second = stock.issue(D(1))  # 6.6667 / 2 = 3.33335 -> half up
    assert second.total_cost == D("3.3334")
    stock, last = stock.issue(D(1))  # whatever is left, exactly
    assert last.total_cost == D("3.3333")
    assert (stock.quantity, stock.value) == (D(0), D(0))
    assert first.total_cost + second.total_cost + last.total_cost == D(10)


def test_average_partial_issue_does_not_round_the_average_first() -> None:
    stock, _ = initial(AVG).receive(D(3), D(0), "R1")
    stock, _ = stock.receive(D(1), D("0.0001"), "R2")  # value 0.0001 over 4 units
    assert stock.unit_cost == D(0)  # 0.000025 rounds to 0 ...
    _, valuation = stock.issue(D(2))  # ... but 2 units take 0.00005 -> 0.0001
    assert valuation.total_cost == D("0.0001")


# -- FIFO --------------------------------------------------------------------------------------


def test_fifo_issue_consumes_oldest_layers_first() -> None:
    stock = two_receipts(FIFO)
    assert stock.layers == (layer("R1", "10", "100", "1000"), layer("R2", "10", "200", "2000"))
    assert stock.last_unit_cost == D(200)
    assert stock.unit_cost == D(150)

    stock, valuation = stock.issue(D(15))
    assert str(valuation.total_cost) == "2000.0000"  # 10 x 100 + 5 x 200
    assert valuation.unit_cost == D("133.3333")
    assert valuation.taken == (layer("R1", "10", "100", "1000"), layer("R2", "5", "200", "1000"))
    assert (stock.quantity, stock.value) == (D(5), D(1000))
    assert stock.layers == (layer("R2", "5", "200", "1000"),)
    assert stock.unit_cost == D(200)


def test_fifo_partial_piece_is_rounded_half_up_and_the_layer_keeps_the_rest() -> None:
    stock, receipt = initial(FIFO).receive(D(3), D("0.3333"), "R1")
    assert receipt.total_cost == D("0.9999")
    stock, piece = stock.issue(D("0.5"))  # 0.16665 -> 0.1667
    assert piece.total_cost == D("0.1667")
    assert stock.layers == (layer("R1", "2.5", "0.3333", "0.8332"),)
    stock, rest = stock.issue(D("2.5"))  # a whole layer leaves with exactly its value
    assert rest.total_cost == D("0.8332")
    assert (stock.quantity, stock.value, stock.layers) == (D(0), D(0), ())


def test_fifo_partial_pieces_never_drive_a_layer_below_zero() -> None:
    stock, _ = initial(FIFO).receive(D("1.6"), D("0.0001"), "R1")  # 0.00016 -> 0.0002
    stock, a = stock.issue(D("0.5"))  # 0.00005 -> 0.0001
    stock, b = stock.issue(D("0.5"))  # 0.0001 again; the layer keeps 0.6 valued 0
    stock, c = stock.issue(D("0.5"))  # would be 0.0001 but only 0 is left
    assert [v.total_cost for v in (a, b, c)] == [D("0.0001"), D("0.0001"), D(0)]
    assert stock.layers == (layer("R1", "0.1", "0.0001", "0"),)
    assert stock.value == 0


def test_fifo_whole_issue_leaves_nothing() -> None:
    stock, valuation = two_receipts(FIFO).issue(D(20))
    assert valuation.total_cost == D(3000)
    assert (stock.quantity, stock.value, stock.layers) == (D(0), D(0), ())
    assert stock.unit_cost == D(200)  # last receipt's cost


# -- insufficient stock ------------------------------------------------------------------------


@pytest.mark.parametrize("method", [AVG, FIFO])
def test_insufficient_stock_changes_nothing(method: CostingMethod) -> None:
    stock = two_receipts(method)
    with pytest.raises(InsufficientStock) as refused:
        stock.issue(D("20.0001"))
    assert (refused.value.requested, refused.value.available) == (D("20.0001"), D(20))
    with pytest.raises(InsufficientStock):
        stock.adjust(D(-21), "C1")
    assert stock == two_receipts(method)


@pytest.mark.parametrize("method", [AVG, FIFO])
@pytest.mark.parametrize("bad", [D(0), D(-1), D("NaN"), D("Infinity")])
def test_quantities_must_be_positive(method: CostingMethod, bad: D) -> None:
    stock = two_receipts(method)
    with pytest.raises(ValueError):
        stock.receive(bad, D(1), "R3")
    with pytest.raises(ValueError):
        stock.issue(bad)
    with pytest.raises(ValueError):
        stock.reverse_issue((layer("R1", "1", "100", "100"),), bad, D(100))
    with pytest.raises(ValueError):
        stock.reverse_receipt("R1", bad, D(100))


def test_costs_must_be_non_negative_decimals() -> None:
    with pytest.raises(ValueError):
        initial(AVG).receive(D(1), D("-0.0001"), "R1")
    with pytest.raises(TypeError):
        initial(AVG).receive(D(1), 1.5, "R1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        initial(AVG).receive(D(1), D(1), "")


# -- adjustments (stocktake) -------------------------------------------------------------------


@pytest.mark.parametrize("method", [AVG, FIFO])
def test_adjustments_are_at_current_cost(method: CostingMethod) -> None:
    stock = two_receipts(method)  # 20 at 150
    stock, gain = stock.adjust(D(2), "C1")
    assert gain == Valuation(D(2), D(300), D(150))
    assert (stock.quantity, stock.value) == (D(22), D(3300))

    stock, loss = stock.adjust(D(-3), "C2")
    assert loss.quantity == D(3)
    if method is AVG:
        assert loss.total_cost == D(450)
    else:  # the oldest layer leaves first
        assert loss.total_cost == D(300)
        assert stock.layers[-1] == layer("C1", "2", "150", "300")
    assert (stock.quantity, stock.value) == (D(19), D(3300) - loss.total_cost)

    same, nothing = stock.adjust(D(0), "C3")
    assert same is stock
    assert nothing == Valuation(D(0), D(0), D(0))


def test_adjustment_with_no_stock_uses_the_last_cost() -> None:
    stock, _ = initial(FIFO).receive(D(4), D("2.5"), "R1")
    stock, _ = stock.issue(D(4))
    stock, gain = stock.adjust(D(1), "C1")
    assert gain.total_cost == D("2.5")
    assert stock.layers == (layer("C1", "1", "2.5", "2.5"),)


# -- reversals (红冲) ---------------------------------------------------------------------------


def test_reversing_a_fifo_issue_puts_the_pieces_back_in_front() -> None:
    stock, issued = two_receipts(FIFO).issue(D(15))
    stock, back = stock.reverse_issue(issued.taken, issued.quantity, issued.total_cost)
    assert back.total_cost == D(2000)
    assert back.taken == ()
    assert stock.layers == (
        layer("R1", "10", "100", "1000"), layer("R2", "5", "200", "1000"),
        layer("R2", "5", "200", "1000"),
    )
    assert (stock.quantity, stock.value) == (D(20), D(3000))
    # The next issue takes the same cost as the one that was reversed.
    _, again = stock.issue(D(15))
    assert again.total_cost == D(2000)
    # And both parts of R2 together can be reversed as the receipt.
    stock, _ = stock.reverse_receipt("R2", D(10), D(2000))
    assert stock.layers == (layer("R1", "10", "100", "1000"),)


def test_reversing_a_whole_fifo_issue_restores_the_layers() -> None:
    before = two_receipts(FIFO)
    stock, issued = before.issue(D(20))
    stock, _ = stock.reverse_issue(issued.taken, D(20), D(3000))
    assert stock.layers == before.layers
    assert (stock.quantity, stock.value) == (D(20), D(3000))


def test_fifo_reverse_issue_checks_the_pieces() -> None:
    stock, issued = two_receipts(FIFO).issue(D(15))
    with pytest.raises(ValueError):
        stock.reverse_issue(issued.taken, D(15), D(1999))
    with pytest.raises(ValueError):
        stock.reverse_issue((), D(15), D(2000))


def test_average_reverse_issue_adds_the_cost_back() -> None:
    stock, _ = initial(AVG).receive(D(1), D(10), "R1")
    stock, _ = stock.receive(D(2), D(0), "R2")
    stock, issued = stock.issue(D(1))  # 3.3333
    stock, back = stock.reverse_issue(issued.taken, D(1), issued.total_cost)
    assert back == Valuation(D(1), D("3.3333"), D("3.3333"))
    assert (stock.quantity, stock.value) == (D(3), D(10))


def test_fifo_reverse_receipt_of_an_untouched_layer() -> None:
    stock, reversed_ = two_receipts(FIFO).reverse_receipt("R2", D(10), D(2000))
    assert reversed_.total_cost == D(2000)
    assert reversed_.taken == (layer("R2", "10", "200", "2000"),)
    assert stock.layers == (layer("R1", "10", "100", "1000"),)
    assert (stock.quantity, stock.value) == (D(10), D(1000))
    assert stock.last_unit_cost == D(100)  # the newest receipt still standing


def test_fifo_reverse_receipt_of_a_partly_issued_layer_is_refused() -> None:
    stock, _ = two_receipts(FIFO).issue(D(15))
    with pytest.raises(CannotReverse) as refused:
        stock.reverse_receipt("R2", D(10), D(2000))
    assert refused.value.reason == PART_ISSUED
    with pytest.raises(CannotReverse):
        stock.reverse_receipt("R1", D(10), D(1000))  # wholly issued


def test_average_reverse_receipt() -> None:
    stock, reversed_ = two_receipts(AVG).reverse_receipt("R2", D(10), D(2000))
    assert reversed_ == Valuation(D(10), D(2000), D(200), (layer("R2", "10", "200", "2000"),))
    assert (stock.quantity, stock.value, stock.unit_cost) == (D(10), D(1000), D(100))
    assert stock.last_unit_cost == D(100)


def test_average_reverse_receipt_is_refused_when_not_enough_is_left() -> None:
    stock, _ = two_receipts(AVG).issue(D(15))
    with pytest.raises(CannotReverse):
        stock.reverse_receipt("R2", D(10), D(2000))


def test_average_reverse_receipt_is_refused_when_it_would_strand_value() -> None:
    stock, issued = two_receipts(AVG).issue(D(10))  # 10 left valued 1500
    with pytest.raises(CannotReverse):  # would leave 0 units valued -500
        stock.reverse_receipt("R2", D(10), D(2000))
    with pytest.raises(CannotReverse):  # would leave 0 units valued 500
        stock.reverse_receipt("R1", D(10), D(1000))
    # Reversing the issue first makes it possible.
    stock, _ = stock.reverse_issue(issued.taken, D(10), issued.total_cost)
    stock, _ = stock.reverse_receipt("R1", D(10), D(1000))
    assert (stock.quantity, stock.value) == (D(10), D(2000))


# -- transfers ---------------------------------------------------------------------------------


def test_fifo_transfer_keeps_the_cost_of_each_piece() -> None:
    _, sent = two_receipts(FIFO).issue(D(15))
    there, arrived = initial(FIFO).receive_taken(sent.taken, "T1")
    assert arrived.total_cost == sent.total_cost == D(2000)
    assert arrived.quantity == D(15)
    assert there.layers == (layer("T1", "10", "100", "1000"), layer("T1", "5", "200", "1000"))
    assert there.last_unit_cost == D(200)
    # The transfer-in can be reversed as one receipt.
    empty, _ = there.reverse_receipt("T1", D(15), D(2000))
    assert (empty.quantity, empty.value, empty.layers) == (D(0), D(0), ())


def test_average_transfer_keeps_the_exact_cost() -> None:
    stock, _ = initial(AVG).receive(D(1), D(10), "R1")
    stock, _ = stock.receive(D(2), D(0), "R2")
    _, sent = stock.issue(D(1))
    there, _ = initial(AVG).receive(D(1), D(5), "R9")
    there, arrived = there.receive_taken(sent.taken, "T1")
    assert arrived.total_cost == sent.total_cost == D("3.3333")
    assert (there.quantity, there.value) == (D(2), D("8.3333"))


# -- negative stock ----------------------------------------------------------------------------


def test_average_negative_stock_and_refill() -> None:
    stock, _ = initial(AVG).receive(D(10), D(100), "R1")
    with pytest.raises(InsufficientStock):
        stock.issue(D(15))
    stock, issued = stock.issue(D(15), allow_negative=True)
    assert issued.total_cost == D(1500)  # 1000 on hand + 5 short at the last cost 100
    assert (stock.quantity, stock.value, stock.unit_cost) == (D(-5), D(-500), D(100))
    stock, issued = stock.issue(D(1), allow_negative=True)
    assert issued.total_cost == D(100)
    # The refill is valued at its own cost; the balance keeps the ledger's sum.
    stock, received = stock.receive(D(10), D(120), "R2")
    assert received.total_cost == D(1200)
    assert (stock.quantity, stock.value) == (D(4), D(600))  # 1000 - 1500 - 100 + 1200
    assert stock.unit_cost == stock.last_unit_cost == D(150)


def test_fifo_negative_stock_and_refill() -> None:
    stock, _ = initial(FIFO).receive(D(10), D(100), "R1")
    stock, issued = stock.issue(D(15), allow_negative=True)
    assert issued.taken == (layer("R1", "10", "100", "1000"), layer(NO_RECEIPT, "5", "100", "500"))
    assert issued.total_cost == D(1500)
    assert (stock.quantity, stock.value, stock.layers) == (D(-5), D(-500), ())
    with pytest.raises(InsufficientStock):
        stock.issue(D(1))
    # The refilling receipt's layer holds the whole new position.
    stock, received = stock.receive(D(10), D(120), "R2")
    assert received.total_cost == D(1200)
    assert stock.layers == (layer("R2", "5", "120", "700"),)
    assert (stock.quantity, stock.value) == (D(5), D(700))
    stock, issued = stock.issue(D(5))
    assert issued.total_cost == D(700)
    assert (stock.quantity, stock.value) == (D(0), D(0))


def test_fifo_refill_to_exactly_zero_keeps_the_difference_until_the_next_receipt() -> None:
    stock, _ = initial(FIFO).issue(D(5), allow_negative=True)
    assert stock.value == 0  # never had a cost
    stock, _ = initial(FIFO).receive(D(1), D(100), "R1")
    stock, _ = stock.issue(D(6), allow_negative=True)  # 100 + 5 x 100
    stock, _ = stock.receive(D(5), D(120), "R2")
    assert (stock.quantity, stock.value, stock.layers) == (D(0), D(100), ())
    assert stock.unit_cost == D(120)
    stock, received = stock.receive(D(10), D(120), "R3")
    assert received.total_cost == D(1200)
    assert stock.layers == (layer("R3", "10", "120", "1300"),)


def test_reversing_a_negative_stock_issue_restores_the_layers() -> None:
    before, _ = initial(FIFO).receive(D(10), D(100), "R1")
    stock, issued = before.issue(D(15), allow_negative=True)
    stock, _ = stock.reverse_issue(issued.taken, issued.quantity, issued.total_cost)
    assert stock == before


def test_fifo_reverse_receipt_into_negative_stock_is_refused() -> None:
    stock, _ = initial(FIFO).issue(D(5), allow_negative=True)
    stock, _ = stock.receive(D(10), D(1), "R1")  # 5 of it filled the hole
    with pytest.raises(CannotReverse):
        stock.reverse_receipt("R1", D(10), D(10))


# -- state checks ------------------------------------------------------------------------------


def test_state_must_be_consistent() -> None:
    with pytest.raises(ValueError):
        StockValue(AVG, D(1), D(1), layers=(layer("R1", "1", "1", "1"),))
    with pytest.raises(ValueError):
        StockValue(FIFO, D(2), D(2), layers=(layer("R1", "1", "1", "1"),))
    with pytest.raises(ValueError):
        StockValue(FIFO, D(0), D(0), layers=(layer("R1", "1", "1", "1"),))
    loaded = StockValue("fifo", D(1), D(1), D(1), [layer("R1", "1", "1", "1")])  # type: ignore[arg-type]
    assert loaded.method is FIFO
    assert loaded.layers == (layer("R1", "1", "1", "1"),)
