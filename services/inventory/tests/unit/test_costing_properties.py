"""Properties of inventory costing over random sequences of postings (hypothesis)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, localcontext
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from jxc.inventory.domain.costing import (
    CannotReverse,
    CostLayer,
    InsufficientStock,
    StockValue,
    Valuation,
    initial,
    round_money,
)
from jxc.inventory.domain.products import CostingMethod

PROPERTIES = settings(max_examples=300, deadline=None)

methods = st.sampled_from(list(CostingMethod))
quantities = st.integers(0, 4).flatmap(
    lambda places: st.decimals(min_value=D(1).scaleb(-places), max_value=D(1000), places=places)
)
costs = st.one_of(
    st.decimals(min_value=D(0), max_value=D(10000), places=4),
    # tiny costs make rounding drift between partial FIFO pieces likely
    st.decimals(min_value=D(0), max_value=D("0.0010"), places=4),
)
fractions = st.one_of(
    st.decimals(min_value=D("0.0001"), max_value=D(1), places=4),
    st.decimals(min_value=D("0.0001"), max_value=D("0.0100"), places=4),
)


@dataclass(frozen=True)
class Op:
    kind: str
    quantity: D = D(1)
    cost: D = D(0)
    fraction: D = D(1)
    pick: int = 0


ops = st.one_of(
    st.builds(Op, kind=st.just("receive"), quantity=quantities, cost=costs),
    st.builds(Op, kind=st.just("issue"), quantity=quantities),  # often more than on hand
    st.builds(Op, kind=st.just("issue_part"), fraction=fractions),  # a share of what is on hand
    st.builds(Op, kind=st.sampled_from(["adjust_up", "adjust_down"]), quantity=quantities),
    st.builds(Op, kind=st.sampled_from(["reverse_issue", "reverse_receipt"]),
              pick=st.integers(0, 10_000)),
)


@dataclass
class Run:
    """Drives a StockValue through ops, keeping the ledger of what was posted."""

    stock: StockValue
    allow_negative: bool = False
    quantity: D = D(0)  # sum of signed posted quantities
    value: D = D(0)  # sum of signed posted total costs
    issues: list[Valuation] = field(default_factory=list)  # not yet reversed
    receipts: list[tuple[str, Valuation]] = field(default_factory=list)  # not yet reversed
    count: int = 0

    def source(self) -> str:
        self.count += 1
        return f"S{self.count}"

    def incoming(self, new: StockValue, valuation: Valuation) -> None:
        assert valuation.quantity > 0
        assert valuation.taken == ()
        self._posted(new, valuation, +1)

    def outgoing(self, new: StockValue, valuation: Valuation) -> None:
        assert valuation.quantity > 0
        assert sum((p.quantity for p in valuation.taken), D(0)) == valuation.quantity
        assert sum((p.value for p in valuation.taken), D(0)) == valuation.total_cost
        self._posted(new, valuation, -1)

    def _posted(self, new: StockValue, valuation: Valuation, sign: int) -> None:
        assert round_money(valuation.total_cost) == valuation.total_cost
        assert valuation.unit_cost == round_money(valuation.total_cost / valuation.quantity)
        self.quantity += sign * valuation.quantity
        self.value += sign * valuation.total_cost
        self.stock = new

    def apply(self, op: Op) -> None:
        before = self.stock
        try:
            self._apply(op)
        except (InsufficientStock, CannotReverse):
            assert self.stock is before  # a refusal changes nothing

    def _apply(self, op: Op) -> None:
        stock = self.stock
        if op.kind == "receive":
            source = self.source()
            new, valuation = stock.receive(op.quantity, op.cost, source)
            assert valuation.total_cost == round_money(op.quantity * op.cost)
            self.incoming(new, valuation)
            self.receipts.append((source, valuation))
        elif op.kind in ("issue", "issue_part", "adjust_down"):
            quantity = op.quantity
            if op.kind == "issue_part":
                quantity = (max(stock.quantity, D(0)) * op.fraction).quantize(
                    D("0.0001"), rounding=ROUND_DOWN)
                if quantity <= 0:
                    return
            if op.kind == "adjust_down":
                new, valuation = stock.adjust(-quantity, self.source(),
                                              allow_negative=self.allow_negative)
            else:
                new, valuation = stock.issue(quantity, allow_negative=self.allow_negative)
            assert valuation.quantity == quantity
            if not self.allow_negative:
                assert valuation.total_cost <= stock.value
                if quantity == stock.quantity:
                    assert valuation.total_cost == stock.value
                check_issue(stock, quantity, valuation, new)
            self.outgoing(new, valuation)
            self.issues.append(valuation)
        elif op.kind == "adjust_up":
            source = self.source()
            new, valuation = stock.adjust(op.quantity, source)
            assert valuation.total_cost == round_money(op.quantity * stock.unit_cost)
            self.incoming(new, valuation)
            self.receipts.append((source, valuation))
        elif op.kind == "reverse_issue" and self.issues:
            issued = self.issues[op.pick % len(self.issues)]
            new, valuation = stock.reverse_issue(issued.taken, issued.quantity,
                                                 issued.total_cost)
            assert (valuation.quantity, valuation.total_cost) == (
                issued.quantity, issued.total_cost)
            self.incoming(new, valuation)
            self.issues.remove(issued)
        elif op.kind == "reverse_receipt" and self.receipts:
            source, received = self.receipts[op.pick % len(self.receipts)]
            new, valuation = stock.reverse_receipt(source, received.quantity,
                                                   received.total_cost)
            self.outgoing(new, valuation)
            self.receipts.remove((source, received))


def check_issue(stock: StockValue, quantity: D, valuation: Valuation, new: StockValue) -> None:
    """An issue within the stock on hand, checked against the costing rules."""
    if stock.method is CostingMethod.AVERAGE:
        with localcontext() as exact:
            exact.prec = 80
            expected = round_money(quantity * stock.value / stock.quantity)
        assert valuation.total_cost == expected
        return
    # FIFO: the pieces are a prefix of the layers, oldest first; only the last may be partial.
    *whole, last = valuation.taken
    assert tuple(whole) == stock.layers[: len(whole)]
    layer = stock.layers[len(whole)]
    assert (last.source, last.unit_cost) == (layer.source, layer.unit_cost)
    assert 0 <= last.value <= layer.value
    rest = stock.layers[len(whole) + 1 :]
    if last.quantity == layer.quantity:
        assert last == layer
        assert new.layers == rest
    else:
        assert last.quantity < layer.quantity
        assert last.value == min(round_money(last.quantity * layer.unit_cost), layer.value)
        kept = CostLayer(layer.source, layer.quantity - last.quantity, layer.unit_cost,
                         layer.value - last.value)
        assert new.layers == (kept, *rest)


def check(run: Run) -> None:
    """The invariants that hold after every step."""
    stock = run.stock
    # Ledger equals balance.
    assert stock.quantity == run.quantity
    assert stock.value == run.value
    assert round_money(stock.value) == stock.value
    if stock.method is CostingMethod.FIFO:
        if stock.quantity > 0:
            assert sum((layer.quantity for layer in stock.layers), D(0)) == stock.quantity
            assert sum((layer.value for layer in stock.layers), D(0)) == stock.value
        else:
            assert stock.layers == ()
        for layer in stock.layers:
            assert layer.quantity > 0
            assert round_money(layer.value) == layer.value
            assert round_money(layer.unit_cost) == layer.unit_cost
    else:
        assert stock.layers == ()
    if run.allow_negative:
        return
    assert stock.quantity >= 0
    assert stock.value >= 0
    assert all(layer.value >= 0 for layer in stock.layers)
    if stock.quantity == 0:
        assert stock.value == 0


def play(method: CostingMethod, script: Sequence[Op], *, allow_negative: bool = False) -> Run:
    run = Run(initial(method), allow_negative=allow_negative)
    for op in script:
        run.apply(op)
        check(run)
    return run


@PROPERTIES
@given(method=methods, script=st.lists(ops, max_size=40))
def test_ledger_equals_balance_and_nothing_goes_negative(
    method: CostingMethod, script: list[Op]
) -> None:
    play(method, script)


@PROPERTIES
@given(method=methods, script=st.lists(ops, max_size=40))
def test_with_negative_stock_ledger_still_equals_balance(
    method: CostingMethod, script: list[Op]
) -> None:
    play(method, script, allow_negative=True)


@PROPERTIES
@given(method=methods, script=st.lists(ops, max_size=30))
def test_issuing_everything_leaves_no_value(method: CostingMethod, script: list[Op]) -> None:
    run = play(method, script)
    if run.stock.quantity > 0:
        empty, valuation = run.stock.issue(run.stock.quantity)
        assert valuation.total_cost == run.stock.value
        assert (empty.quantity, empty.value, empty.layers) == (D(0), D(0), ())


def by_source(layers: Sequence[CostLayer]) -> dict[str, tuple[D, D]]:
    totals: dict[str, tuple[D, D]] = defaultdict(lambda: (D(0), D(0)))
    for layer in layers:
        quantity, value = totals[layer.source]
        totals[layer.source] = (quantity + layer.quantity, value + layer.value)
    return dict(totals)


@PROPERTIES
@given(method=methods, script=st.lists(ops, max_size=30), fraction=fractions)
def test_reversing_an_issue_gives_back_exactly_what_it_took(
    method: CostingMethod, script: list[Op], fraction: D
) -> None:
    before = play(method, script).stock
    quantity = (before.quantity * fraction).quantize(D("0.0001"), rounding=ROUND_DOWN)
    if quantity <= 0:
        return
    issued_state, issued = before.issue(quantity)
    after, _ = issued_state.reverse_issue(issued.taken, issued.quantity, issued.total_cost)
    assert (after.quantity, after.value, after.unit_cost) == (
        before.quantity, before.value, before.unit_cost)
    assert by_source(after.layers) == by_source(before.layers)
    # Issuing the same quantity again costs the same.
    assert after.issue(quantity)[1].total_cost == issued.total_cost


@PROPERTIES
@given(method=methods, script=st.lists(ops, max_size=30), quantity=quantities, cost=costs)
def test_reversing_a_fresh_receipt_gives_back_the_position(
    method: CostingMethod, script: list[Op], quantity: D, cost: D
) -> None:
    before = play(method, script).stock
    received_state, received = before.receive(quantity, cost, "FRESH")
    after, reversed_ = received_state.reverse_receipt("FRESH", quantity, received.total_cost)
    assert reversed_.total_cost == received.total_cost
    assert (after.quantity, after.value, after.layers) == (
        before.quantity, before.value, before.layers)


@PROPERTIES
@given(method=methods, here=st.lists(ops, max_size=30), there=st.lists(ops, max_size=10),
       fraction=fractions, allow_negative=st.booleans())
def test_transfers_keep_the_cost(
    method: CostingMethod, here: list[Op], there: list[Op], fraction: D, allow_negative: bool
) -> None:
    source = play(method, here, allow_negative=allow_negative).stock
    quantity = (abs(source.quantity) * fraction).quantize(D("0.0001"), rounding=ROUND_DOWN)
    if quantity <= 0:
        return
    _, sent = source.issue(quantity, allow_negative=True)
    destination = play(method, there).stock
    arrived_state, arrived = destination.receive_taken(sent.taken, "TRANSFER")
    assert (arrived.quantity, arrived.total_cost) == (sent.quantity, sent.total_cost)
    assert arrived_state.quantity == destination.quantity + quantity
    assert arrived_state.value == destination.value + sent.total_cost
    # And the transfer-in can be taken out again as one receipt.
    back, _ = arrived_state.reverse_receipt("TRANSFER", quantity, sent.total_cost)
    assert (back.quantity, back.value) == (destination.quantity, destination.value)


small_quantities = st.one_of(
    st.decimals(min_value=D("0.0001"), max_value=D(2), places=4),
    st.integers(1, 20).map(lambda n: D(n).scaleb(-1)),  # 0.1 .. 2.0
)
# a few ten-thousandths per unit: each partial piece rounds by a visible share of its value
tiny_costs = st.integers(1, 20).map(lambda n: D(n).scaleb(-4))


@PROPERTIES
@given(method=methods, quantity=st.one_of(quantities, small_quantities),
       cost=st.one_of(costs, tiny_costs),
       pieces=st.lists(st.one_of(small_quantities, quantities), min_size=1, max_size=50))
def test_a_receipt_issued_piece_by_piece_gives_out_exactly_its_value(
    method: CostingMethod, quantity: D, cost: D, pieces: list[D]
) -> None:
    """Rounding every partial piece half up must never take out more than the receipt
    brought, nor leave anything behind."""
    stock, received = initial(method).receive(quantity, cost, "R")
    total = D(0)
    for part in pieces:
        if part >= stock.quantity:
            continue  # keep nibbling: the drift matters most when little is left
        stock, issued = stock.issue(part)
        assert issued.total_cost >= 0
        assert stock.value >= 0
        total += issued.total_cost
    if stock.quantity > 0:
        stock, issued = stock.issue(stock.quantity)
        total += issued.total_cost
    assert total == received.total_cost
    assert (stock.quantity, stock.value, stock.layers) == (D(0), D(0), ())


def hundredths(most: int) -> st.SearchStrategy[D]:
    return st.integers(1, most).map(lambda n: D(n).scaleb(-2))


@settings(max_examples=1000, deadline=None)
@given(method=st.just(CostingMethod.FIFO), quantity=hundredths(100),
       cost=st.integers(1, 9).map(lambda n: D(n).scaleb(-4)),
       pieces=st.lists(hundredths(20), min_size=1, max_size=50))
def test_rounding_drift_of_small_pieces_never_drives_value_below_zero(
    method: CostingMethod, quantity: D, cost: D, pieces: list[D]
) -> None:
    """Many small pieces at a cost of a few ten-thousandths: each piece rounds by a large share
    of its own value, so the rounded pieces can add up to more than the receipt brought."""
    stock, received = initial(method).receive(quantity, cost, "R")
    total = D(0)
    for part in pieces:
        if part < stock.quantity:
            stock, issued = stock.issue(part)
            total += issued.total_cost
            assert stock.value >= 0
    stock, issued = stock.issue(stock.quantity)
    assert total + issued.total_cost == received.total_cost
    assert (stock.quantity, stock.value) == (D(0), D(0))
