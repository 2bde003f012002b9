"""inventory's published language: the product master, stock moves and
alerts (events), the sales saga's stock steps (commands) and their answers
(replies). Stock messages are keyed ``warehouse_id:product_id``; reservation
messages by the order."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import Field, PlainSerializer

from jxc.contracts import topics
from jxc.contracts.base import (
    Command,
    Currency,
    Event,
    Money,
    Part,
    PositiveQuantity,
    Quantity,
    Rate,
    Reply,
)


class InventoryEvent(Event):
    service: ClassVar[str] = "inventory"
    topic: ClassVar[str] = topics.INVENTORY_EVENTS
    abstract: ClassVar[bool] = True


class InventoryCommand(Command):
    service: ClassVar[str] = "inventory"
    topic: ClassVar[str] = topics.INVENTORY_COMMANDS
    key: ClassVar[str] = "order_id"
    abstract: ClassVar[bool] = True


class InventoryReply(Reply):
    service: ClassVar[str] = "inventory"
    topic: ClassVar[str] = topics.INVENTORY_REPLIES
    key: ClassVar[str] = "order_id"
    abstract: ClassVar[bool] = True


class StockEvent(InventoryEvent):
    abstract: ClassVar[bool] = True
    warehouse_id: uuid.UUID
    product_id: uuid.UUID

    def partition_key(self) -> str:
        return f"{self.warehouse_id}:{self.product_id}"


# -- master data ---------------------------------------------------------------
UnitFactor = Annotated[
    Decimal, Field(gt=0),
    PlainSerializer(lambda v: f"{v:.6f}", return_type=str, when_used="json")]
"""How many base units one unit holds: a 6-decimal string on the wire (exact,
as stored; a Quantity's 4 decimals would round 1 克 = 0.000001 吨)."""


class UnitConversion(Part):
    """One ``unit`` holds ``factor`` of the product's base unit (箱 = 12 个)."""

    unit: str
    factor: UnitFactor


class ProductUpserted(InventoryEvent):
    """A product was created or changed; replicas keep the highest version.

    ``barcode`` is the primary barcode, the first of ``barcodes``; barcodes are
    GS1 GTINs in normal form (UPC-A as its EAN-13). The catalogue fields after
    ``version`` were added to v1 with defaults, so older payloads still parse.
    """

    key: ClassVar[str] = "product_id"
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    barcode: str | None = None
    costing_method: Literal["average", "fifo"]
    sale_price: Money
    currency: Currency
    tax_rate: Rate
    active: bool
    version: int = Field(ge=1)
    barcodes: tuple[str, ...] = ()
    category_id: uuid.UUID | None = None
    lot_tracked: bool = False
    shelf_life_days: int | None = Field(default=None, gt=0)
    units: tuple[UnitConversion, ...] = ()


class WarehouseUpserted(InventoryEvent):
    """A warehouse was created or changed."""

    key: ClassVar[str] = "warehouse_id"
    warehouse_id: uuid.UUID
    code: str
    name: str
    branch_id: uuid.UUID | None = None
    allow_negative_stock: bool = False
    active: bool = True
    version: int = Field(ge=1)


# -- stock moves (every one valued at posting time) -----------------------------
class StockReceived(StockEvent):
    """Goods came in (purchase receipt, return, transfer in, count surplus)."""

    move_id: uuid.UUID
    quantity: PositiveQuantity
    unit_cost: Money
    total_cost: Money
    currency: Currency
    lot: str | None = None
    reason: Literal["purchase", "sales_return", "transfer", "adjustment", "opening"]
    reference: str | None = None
    source_id: uuid.UUID | None = None
    """The document that caused it (receipt, return, transfer)."""
    on_hand_after: Quantity
    occurred_at: datetime


class StockIssued(StockEvent):
    """Goods went out, carrying the cost they left at (finance posts COGS from it)."""

    move_id: uuid.UUID
    quantity: PositiveQuantity
    unit_cost: Money
    total_cost: Money
    currency: Currency
    lot: str | None = None
    reason: Literal["sale", "purchase_return", "transfer", "adjustment", "scrap"]
    reference: str | None = None
    order_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    on_hand_after: Quantity
    occurred_at: datetime


class StockAdjusted(StockEvent):
    """A count or correction changed on-hand; ``quantity_delta`` may be negative."""

    move_id: uuid.UUID
    quantity_delta: Quantity
    unit_cost: Money
    total_cost: Money
    currency: Currency
    reason: str
    on_hand_after: Quantity
    occurred_at: datetime
    reverses_reason: str | None = None
    """On a reversal (红冲): the reason of the move it reverses (``purchase``,
    ``sale`` …), so finance reverses that move's entry rather than booking a
    loss or surplus."""


class StockTransferred(InventoryEvent):
    """A transfer between warehouses changed state."""

    key: ClassVar[str] = "transfer_id"
    transfer_id: uuid.UUID
    from_warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID
    status: Literal["dispatched", "received", "overdue"]
    lines: tuple[TransferLine, ...] = Field(min_length=1)
    currency: Currency
    occurred_at: datetime


class TransferLine(Part):
    product_id: uuid.UUID
    quantity: PositiveQuantity
    unit_cost: Money


class StockLevelLow(StockEvent):
    """Available stock fell below the reorder rule's minimum."""

    available: Quantity
    min_qty: Quantity
    max_qty: Quantity
    suggested_qty: Quantity


class StockLevelHigh(StockEvent):
    """On-hand stock rose above the reorder rule's maximum."""

    on_hand: Quantity
    max_qty: Quantity


class StockLevelNormal(StockEvent):
    """A low or high alert cleared."""

    available: Quantity


# -- the sales saga's stock steps ------------------------------------------------
class ReservationLine(Part):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: PositiveQuantity


class Shortage(Part):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    requested: Quantity
    available: Quantity


class IssuedLine(Part):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: PositiveQuantity
    unit_cost: Money
    total_cost: Money


class ReserveStock(InventoryCommand):
    """Reserve every line or none (per warehouse), for an order."""

    order_id: uuid.UUID
    lines: tuple[ReservationLine, ...] = Field(min_length=1)


class ReleaseReservation(InventoryCommand):
    """Give back what an order reserved (compensation or cancellation)."""

    order_id: uuid.UUID
    reason: str = "released"


class IssueReservedStock(InventoryCommand):
    """Ship reserved stock (all or part of an order's reservation)."""

    order_id: uuid.UUID
    shipment_id: uuid.UUID
    lines: tuple[ReservationLine, ...] = Field(min_length=1)


class StockReserved(InventoryReply):
    order_id: uuid.UUID
    lines: tuple[ReservationLine, ...]


class StockReservationFailed(InventoryReply):
    order_id: uuid.UUID
    shortages: tuple[Shortage, ...] = Field(min_length=1)


class ReservationReleased(InventoryReply):
    order_id: uuid.UUID


class ReservedStockIssued(InventoryReply):
    order_id: uuid.UUID
    shipment_id: uuid.UUID
    lines: tuple[IssuedLine, ...] = Field(min_length=1)
    currency: Currency


class ReservedStockIssueFailed(InventoryReply):
    """The shipment could not be issued (stock went missing since it was
    reserved, e.g. a count found less); nothing was issued."""

    order_id: uuid.UUID
    shipment_id: uuid.UUID
    shortages: tuple[Shortage, ...] = Field(min_length=1)


StockTransferred.model_rebuild()
