"""Inventory costing of one (product, warehouse): moving weighted average or FIFO layers.

Pure domain model: no I/O, immutable values, ``Decimal`` only.

* Every posting is valued when it is made and carries its cost (``Valuation``); nothing is
  ever backdated. A mistake is corrected by reversing (红冲) the posting: goods come back, or
  go out, at exactly the cost the original posting carried.
* Money is rounded to 4 places, ROUND_HALF_UP, once, at the end of each computation
  (``round_money``). Quantities are used as given.
* Ledger equals balance: ``StockValue.value`` is always the running sum of the receipt totals
  minus the issue totals that were posted against it, and ``StockValue.quantity`` the running
  sum of quantities. A receipt's ``total_cost`` is always ``round_money(quantity * unit_cost)``.
* Average: an issue takes ``round_money(q * value / quantity)`` (full precision until the single
  rounding); an issue of the whole quantity takes exactly ``value``, so no residual is left.
* FIFO: ``layers`` (oldest first) always sum to ``(quantity, value)`` while quantity > 0 and are
  empty otherwise. A whole layer leaves with exactly its ``value``; a partial piece leaves with
  ``round_money(piece_quantity * unit_cost)``, capped at what the layer still holds so rounding
  can never drive a layer below zero.

Negative stock (``allow_negative=True``, for warehouses that allow it):

* the part of an issue beyond the quantity on hand is valued at ``last_unit_cost``; quantity and
  value go below zero, FIFO layers become empty (a FIFO issue's ``taken`` then ends with a piece
  whose source is ``NO_RECEIPT`` for the shortfall, so ``taken`` always sums to the issue).
* a later receipt fills the hole at *its* cost, but finance has already posted the shortfall at
  ``last_unit_cost``. Since ledger must equal balance, the difference stays in the position:
  with average it is blended into the new average; with FIFO the layer that the receipt creates
  holds the whole new position (quantity = new quantity, value = new value) and carries the
  difference until it is issued. If the receipt brings the quantity to exactly zero the
  difference stays as a value with no stock (and no layer) until the next receipt absorbs it.
  Consequently, in this mode, a position can hold a non-zero value at zero quantity and a layer's
  value need not equal ``quantity * unit_cost``. None of this happens without negative stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal

from jxc.inventory.domain.products import CostingMethod

MONEY_QUANTUM = Decimal("0.0001")
NO_RECEIPT = ""
"""Source of a piece that did not come from a receipt's layer: the negative-stock shortfall of a
FIFO issue, or the single piece that describes an average-cost issue."""

PART_ISSUED = "part of this receipt has already been issued; reverse those issues first"

_ZERO = Decimal(0)
# Intermediate products and quotients are computed with plenty of digits so that the single
# rounding in round_money is the only one, whatever the caller's decimal context is.
_EXACT = Context(prec=60)


def round_money(x: Decimal) -> Decimal:
    """``x`` rounded to 4 decimal places, ROUND_HALF_UP."""
    return x.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_UP, context=_EXACT)


def _cost_of(quantity: Decimal, unit_cost: Decimal) -> Decimal:
    return round_money(_EXACT.multiply(quantity, unit_cost))


def _share(part: Decimal, value: Decimal, quantity: Decimal) -> Decimal:
    """``part``'s share of ``value`` spread over ``quantity``: one rounding, at the end."""
    return round_money(_EXACT.divide(_EXACT.multiply(part, value), quantity))


def _per_unit(total: Decimal, quantity: Decimal) -> Decimal:
    return round_money(_EXACT.divide(total, quantity)) if quantity != 0 else round_money(_ZERO)


def _decimal(name: str, x: Decimal) -> None:
    if not isinstance(x, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(x).__name__}")
    if not x.is_finite():
        raise ValueError(f"{name} must be a finite number, got {x}")


def _positive(name: str, x: Decimal) -> None:
    _decimal(name, x)
    if x <= 0:
        raise ValueError(f"{name} must be > 0, got {x}")


def _source(source: str) -> None:
    if not isinstance(source, str) or source == NO_RECEIPT:
        raise ValueError("source must be a non-empty string")


@dataclass(frozen=True)
class CostLayer:
    """A FIFO layer, or a piece of one taken by an issue."""

    source: str  # id of the receipt that created it (opaque)
    quantity: Decimal  # remaining (or taken) quantity
    unit_cost: Decimal  # the receipt's unit cost, 4 places
    value: Decimal  # remaining (or taken) value, 4 places; a whole-layer take takes exactly this


def _pieces(pieces: Iterable[CostLayer]) -> tuple[CostLayer, ...]:
    checked = tuple(pieces)
    if not checked:
        raise ValueError("at least one piece is required")
    for piece in checked:
        _positive("piece quantity", piece.quantity)
        _decimal("piece unit_cost", piece.unit_cost)
        _decimal("piece value", piece.value)
    return checked


def _total_quantity(pieces: Iterable[CostLayer]) -> Decimal:
    return sum((p.quantity for p in pieces), _ZERO)


def _total_value(pieces: Iterable[CostLayer]) -> Decimal:
    return sum((p.value for p in pieces), _ZERO)


@dataclass(frozen=True)
class Valuation:
    """What one posting was valued at."""

    quantity: Decimal
    total_cost: Decimal  # 4 places
    unit_cost: Decimal  # total_cost / quantity rounded to 4 places (0 when quantity is 0)
    taken: tuple[CostLayer, ...] = ()
    """Outgoing postings (issue, negative adjust, reverse_receipt): the pieces that left, oldest
    first, always adding up exactly to (quantity, total_cost). FIFO: the layer pieces consumed,
    plus a ``NO_RECEIPT`` piece for a negative-stock shortfall; average: one piece. Incoming
    postings: empty. Feed it to ``reverse_issue`` or, in another warehouse, ``receive_taken``."""

    @classmethod
    def of(
        cls, quantity: Decimal, total_cost: Decimal, taken: Iterable[CostLayer] = ()
    ) -> Valuation:
        return cls(quantity, total_cost, _per_unit(total_cost, quantity), tuple(taken))

    @classmethod
    def single(cls, source: str, quantity: Decimal, total_cost: Decimal) -> Valuation:
        """An outgoing valuation whose ``taken`` is one piece (average costing)."""
        unit_cost = _per_unit(total_cost, quantity)
        piece = CostLayer(source, quantity, unit_cost, total_cost)
        return cls(quantity, total_cost, unit_cost, (piece,))


class InsufficientStock(Exception):
    def __init__(self, requested: Decimal, available: Decimal) -> None:
        super().__init__(f"requested {requested}, only {available} available")
        self.requested = requested
        self.available = available


class CannotReverse(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _take_layers(
    layers: tuple[CostLayer, ...], wanted: Decimal
) -> tuple[tuple[CostLayer, ...], tuple[CostLayer, ...]]:
    """Take ``wanted`` (<= what the layers hold) oldest first: (pieces taken, layers left)."""
    taken: list[CostLayer] = []
    remaining = wanted
    for i, layer in enumerate(layers):
        if remaining <= 0:
            return tuple(taken), layers[i:]
        if layer.quantity <= remaining:
            taken.append(layer)
            remaining -= layer.quantity
            continue
        value = min(_cost_of(remaining, layer.unit_cost), max(layer.value, _ZERO))
        taken.append(CostLayer(layer.source, remaining, layer.unit_cost, value))
        kept = replace(layer, quantity=layer.quantity - remaining, value=layer.value - value)
        return tuple(taken), (kept, *layers[i + 1 :])
    return tuple(taken), ()


def _fill_hole(
    quantity: Decimal, value: Decimal, pieces: tuple[CostLayer, ...], *, newest_first: bool
) -> tuple[CostLayer, ...]:
    """Layers after adding ``pieces`` to a FIFO position with no layers (quantity <= 0).

    The first piece that lifts the quantity above zero becomes a layer holding the whole
    position; the remaining pieces are added as they are. Pieces returning to the front fill
    the hole newest first, so reversing a negative-stock issue restores the layers it took.
    """
    order = reversed(pieces) if newest_first else iter(pieces)
    layers: list[CostLayer] = []
    for piece in order:
        quantity += piece.quantity
        value += piece.value
        if layers:
            layers.append(piece)
        elif quantity > 0:
            layers.append(replace(piece, quantity=quantity, value=value))
    return tuple(reversed(layers)) if newest_first else tuple(layers)


@dataclass(frozen=True)
class StockValue:
    """The costing state of one (product, warehouse)."""

    method: CostingMethod
    quantity: Decimal = _ZERO
    value: Decimal = _ZERO
    last_unit_cost: Decimal = _ZERO  # most recent receipt's cost (FIFO) or average (average)
    layers: tuple[CostLayer, ...] = ()  # FIFO only, oldest first; empty for average

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", CostingMethod(self.method))
        object.__setattr__(self, "layers", tuple(self.layers))
        if self.method is CostingMethod.AVERAGE:
            if self.layers:
                raise ValueError("average costing keeps no layers")
        elif self.quantity > 0:
            held = (_total_quantity(self.layers), _total_value(self.layers))
            if held != (self.quantity, self.value):
                raise ValueError(
                    f"layers hold {held[0]} valued {held[1]}, "
                    f"not {self.quantity} valued {self.value}"
                )
        elif self.layers:
            raise ValueError("a FIFO position with no stock has no layers")

    @property
    def unit_cost(self) -> Decimal:
        """value / quantity (4 places) while there is stock, else ``last_unit_cost``."""
        if self.quantity > 0:
            return _per_unit(self.value, self.quantity)
        return self.last_unit_cost

    # -- receipts ---------------------------------------------------------------------------

    def receive(
        self, quantity: Decimal, unit_cost: Decimal, source: str
    ) -> tuple[StockValue, Valuation]:
        """Goods in at ``unit_cost``, valued ``round_money(quantity * unit_cost)``.

        A unit cost with more than 4 places is used as given for the total; the layer and
        ``last_unit_cost`` keep it rounded to 4 places.
        """
        _positive("quantity", quantity)
        _decimal("unit_cost", unit_cost)
        if unit_cost < 0:
            raise ValueError(f"unit_cost must be >= 0, got {unit_cost}")
        _source(source)
        return self._receive(quantity, unit_cost, source)

    def _receive(
        self, quantity: Decimal, unit_cost: Decimal, source: str
    ) -> tuple[StockValue, Valuation]:
        total = _cost_of(quantity, unit_cost)
        layer = CostLayer(source, quantity, round_money(unit_cost), total)
        new = self._take_in((layer,), at_front=False, receipt_cost=layer.unit_cost)
        return new, Valuation.of(quantity, total)

    def receive_taken(
        self, taken: Sequence[CostLayer], source: str
    ) -> tuple[StockValue, Valuation]:
        """Goods in at exactly the cost they left another warehouse with (transfers).

        ``taken`` is the other side's ``Valuation.taken``. FIFO: each piece becomes its own
        layer, keeping its unit cost and value, under this receipt's ``source`` (so that
        ``reverse_receipt(source, ...)`` can take them out again). Average: quantity and value
        are added. ``total_cost`` is the exact sum of the pieces' values.
        """
        _source(source)
        pieces = tuple(replace(p, source=source) for p in _pieces(taken))
        quantity, total = _total_quantity(pieces), _total_value(pieces)
        if self.method is CostingMethod.FIFO:
            last = pieces[-1].unit_cost
        else:
            last = _per_unit(total, quantity)
        new = self._take_in(pieces, at_front=False, receipt_cost=last)
        return new, Valuation.of(quantity, total)

    # -- issues -----------------------------------------------------------------------------

    def issue(
        self, quantity: Decimal, *, allow_negative: bool = False
    ) -> tuple[StockValue, Valuation]:
        """Goods out, valued now. Raises ``InsufficientStock`` (nothing changes) when there is
        not enough stock, unless ``allow_negative``."""
        _positive("quantity", quantity)
        if quantity > self.quantity and not allow_negative:
            raise InsufficientStock(quantity, self.quantity)
        on_hand = max(self.quantity, _ZERO)
        shortfall = max(quantity - on_hand, _ZERO)
        shortfall_cost = _cost_of(shortfall, self.last_unit_cost)
        layers: tuple[CostLayer, ...] = ()
        taken: tuple[CostLayer, ...] = ()
        if self.method is CostingMethod.AVERAGE:
            if quantity < self.quantity:
                total = _share(quantity, self.value, self.quantity)
            else:
                total = (self.value if on_hand > 0 else _ZERO) + shortfall_cost
            taken = (CostLayer(NO_RECEIPT, quantity, _per_unit(total, quantity), total),)
        else:
            taken, layers = _take_layers(self.layers, quantity - shortfall)
            if shortfall > 0:
                taken += (CostLayer(NO_RECEIPT, shortfall, self.last_unit_cost, shortfall_cost),)
            total = _total_value(taken)
        new = self._moved(self.quantity - quantity, self.value - total, layers, self.last_unit_cost)
        return new, Valuation.of(quantity, total, taken)

    def adjust(
        self, delta: Decimal, source: str, *, allow_negative: bool = False
    ) -> tuple[StockValue, Valuation]:
        """A stocktake variance or adjustment at the CURRENT cost.

        ``delta > 0`` is received at ``self.unit_cost`` under ``source``; ``delta < 0`` is
        issued; ``delta == 0`` changes nothing (a zero valuation). ``Valuation.quantity`` is
        ``abs(delta)``.
        """
        _decimal("delta", delta)
        if delta > 0:
            _source(source)
            return self._receive(delta, self.unit_cost, source)
        if delta < 0:
            return self.issue(-delta, allow_negative=allow_negative)
        return self, Valuation.of(_ZERO, round_money(_ZERO))

    # -- reversals (红冲) ---------------------------------------------------------------------

    def reverse_issue(
        self, taken: Sequence[CostLayer], quantity: Decimal, total_cost: Decimal
    ) -> tuple[StockValue, Valuation]:
        """Reverse an issue: the goods come back at exactly the cost they left at.

        Average: ``quantity`` and ``total_cost`` are added back (``taken`` is ignored). FIFO:
        ``taken`` (the issue's ``Valuation.taken``, which must sum to ``quantity`` and
        ``total_cost``) goes back to the FRONT of the layers, oldest first, with its own values.
        """
        _positive("quantity", quantity)
        _decimal("total_cost", total_cost)
        if self.method is CostingMethod.AVERAGE:
            pieces: tuple[CostLayer, ...] = (
                CostLayer(NO_RECEIPT, quantity, _per_unit(total_cost, quantity), total_cost),
            )
        else:
            pieces = _pieces(taken)
            if (_total_quantity(pieces), _total_value(pieces)) != (quantity, total_cost):
                raise ValueError("taken does not add up to quantity and total_cost")
        new = self._take_in(pieces, at_front=True, receipt_cost=None)
        return new, Valuation.of(quantity, total_cost)

    def reverse_receipt(
        self, source: str, quantity: Decimal, total_cost: Decimal
    ) -> tuple[StockValue, Valuation]:
        """Reverse a receipt: take out exactly what it brought (``quantity``, ``total_cost``).

        Refused with ``CannotReverse`` when that is no longer possible without breaking the
        position: average, if less than ``quantity`` is on hand, or if the rest would be left
        with a negative value or with value but no stock (the average has moved since: later
        issues took part of this receipt's value — reverse them first); FIFO, if the layers of
        ``source`` no longer hold the whole receipt.
        """
        _source(source)
        _positive("quantity", quantity)
        _decimal("total_cost", total_cost)
        quantity_left = self.quantity - quantity
        value_left = self.value - total_cost
        if self.method is CostingMethod.AVERAGE:
            if quantity > self.quantity:
                raise CannotReverse(
                    f"only {self.quantity} on hand, this receipt brought {quantity}; "
                    "reverse the later issues first"
                )
            if value_left < 0 or (quantity_left == 0 and value_left != 0):
                raise CannotReverse(
                    f"reversing this receipt would leave {quantity_left} valued {value_left}: "
                    "later issues took part of its value; reverse those issues first"
                )
            new = self._moved(quantity_left, value_left, (), self.last_unit_cost)
            return new, Valuation.single(source, quantity, total_cost)
        mine = tuple(layer for layer in self.layers if layer.source == source)
        held = _total_quantity(mine)
        if held < quantity:
            raise CannotReverse(PART_ISSUED)
        if held > quantity:
            raise ValueError(f"the layers of {source!r} hold {held}, more than {quantity}")
        if _total_value(mine) != total_cost:
            raise CannotReverse(
                f"the layers of this receipt are valued {_total_value(mine)}, not {total_cost} "
                "(they absorbed a negative-stock cost difference)"
            )
        kept = tuple(layer for layer in self.layers if layer.source != source)
        newest_reversed = self.layers[-1].source == source
        last = kept[-1].unit_cost if newest_reversed and kept else self.last_unit_cost
        new = self._moved(quantity_left, value_left, kept, last)
        return new, Valuation.of(quantity, total_cost, mine)

    # -- internals --------------------------------------------------------------------------

    def _take_in(
        self, pieces: tuple[CostLayer, ...], *, at_front: bool, receipt_cost: Decimal | None
    ) -> StockValue:
        quantity = self.quantity + _total_quantity(pieces)
        value = self.value + _total_value(pieces)
        layers: tuple[CostLayer, ...] = ()
        if self.method is CostingMethod.FIFO:
            if self.quantity > 0:
                layers = pieces + self.layers if at_front else self.layers + pieces
            else:
                layers = _fill_hole(self.quantity, self.value, pieces, newest_first=at_front)
        last = self.last_unit_cost if receipt_cost is None else receipt_cost
        return self._moved(quantity, value, layers, last)

    def _moved(
        self,
        quantity: Decimal,
        value: Decimal,
        layers: tuple[CostLayer, ...],
        last_unit_cost: Decimal,
    ) -> StockValue:
        """The next state. Average keeps ``last_unit_cost`` at the current average whenever
        there is stock with a non-negative value."""
        if self.method is CostingMethod.AVERAGE and quantity > 0 and value >= 0:
            last_unit_cost = _per_unit(value, quantity)
        return replace(
            self, quantity=quantity, value=value, last_unit_cost=last_unit_cost, layers=layers
        )


def initial(method: CostingMethod) -> StockValue:
    """A (product, warehouse) that has never had stock."""
    return StockValue(method)
