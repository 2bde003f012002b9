"""Warehouses and the stock ledger's tables.

``stock_ledger`` is append-only (a trigger refuses UPDATE and DELETE);
``stock_balance`` and ``lot_balance`` are derived from it and written in the
same transaction as each ledger row. Hot paths use these tables through
SQLAlchemy Core (``Row.__table__``); SQLModel is for their shape and CRUD.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Numeric,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from jxc.inventory.adapters.tables import InventoryModel


def _decimal(nullable: bool = False, scale: int = 4) -> Any:
    return Field(sa_column=Column(Numeric(18, scale), nullable=nullable,
                                  server_default=None if nullable else text("0")),
                 default=None if nullable else Decimal(0))


def _timestamp(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable,
                                                server_default=None if nullable else func.now()))


class WarehouseRow(InventoryModel, table=True):
    __tablename__ = "warehouse"

    id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    branch_id: uuid.UUID | None = Field(default=None, index=True)
    allow_negative_stock: bool = False
    transfer_days: int = 3
    """How long a transfer into this warehouse may stay in transit before it is overdue."""
    active: bool = True
    version: int = 1
    created_at: datetime = _timestamp()
    updated_at: datetime = Field(default=None, sa_column=Column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()))


class BinLocationRow(InventoryModel, table=True):
    __tablename__ = "bin_location"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)

    id: uuid.UUID = Field(primary_key=True)
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id")
    code: str = Field(max_length=32)
    name: str = Field(default="", max_length=200)


class StockMoveRow(InventoryModel, table=True):
    """One posted document of the ledger (a receipt, an issue, a count…)."""

    __tablename__ = "stock_move"

    id: uuid.UUID = Field(primary_key=True)
    number: str = Field(max_length=32, unique=True)
    type: str = Field(max_length=20)
    reason: str = Field(max_length=30)
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id", index=True)
    to_warehouse_id: uuid.UUID | None = Field(default=None, foreign_key="warehouse.id")
    reference: str | None = Field(default=None, max_length=100)
    reverses_id: uuid.UUID | None = Field(default=None, foreign_key="stock_move.id",
                                          unique=True)
    transfer_id: uuid.UUID | None = Field(default=None, index=True)
    order_id: uuid.UUID | None = Field(default=None, index=True)
    shipment_id: uuid.UUID | None = Field(default=None, unique=True)
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = _timestamp()


class StockLedgerRow(InventoryModel, table=True):
    """A line of the ledger: a signed quantity and value for one product in
    one warehouse. ``seq`` is the ledger position stocktakes snapshot at."""

    __tablename__ = "stock_ledger"
    __table_args__ = (Index("ix_stock_ledger_product_warehouse", "product_id", "warehouse_id",
                            "seq"),
                      Index("ix_stock_ledger_warehouse_seq", "warehouse_id", "seq"))

    seq: int | None = Field(default=None, sa_column=Column(
        BigInteger, Identity(always=False), primary_key=True))
    move_id: uuid.UUID = Field(foreign_key="stock_move.id", index=True)
    line_no: int
    product_id: uuid.UUID = Field(foreign_key="product.id")
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id")
    lot: str | None = Field(default=None, max_length=64)
    quantity: Decimal = _decimal()
    unit_cost: Decimal = _decimal()
    value: Decimal = _decimal()
    on_hand_after: Decimal = _decimal()
    taken: list[dict[str, str]] | None = Field(default=None, sa_column=Column(JSONB))
    """FIFO layer pieces an outgoing line consumed, so its reversal can restore them."""
    created_at: datetime = _timestamp()


class StockBalanceRow(InventoryModel, table=True):
    """Stock and cost of one product in one warehouse, kept with the ledger."""

    __tablename__ = "stock_balance"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="ck_stock_balance_reserved"),
        CheckConstraint("in_transit >= 0", name="ck_stock_balance_in_transit"),
    )

    product_id: uuid.UUID = Field(foreign_key="product.id", primary_key=True)
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id", primary_key=True,
                                    index=True)
    costing_method: str = Field(max_length=10)
    on_hand: Decimal = _decimal()
    reserved: Decimal = _decimal()
    in_transit: Decimal = _decimal()
    """Dispatched to this warehouse by a transfer and not yet received."""
    value: Decimal = _decimal()
    last_unit_cost: Decimal = _decimal()
    layers: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")))
    last_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False,
                                                      server_default=text("0")))
    updated_at: datetime = _timestamp()


class LotBalanceRow(InventoryModel, table=True):
    __tablename__ = "lot_balance"

    product_id: uuid.UUID = Field(foreign_key="product.id", primary_key=True)
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id", primary_key=True)
    lot: str = Field(primary_key=True, max_length=64)
    on_hand: Decimal = _decimal()
    expires_on: date | None = Field(default=None, sa_column=Column(Date))
    received_at: datetime = _timestamp()


class ReservationRow(InventoryModel, table=True):
    """What an order holds of one product in one warehouse."""

    __tablename__ = "reservation"
    __table_args__ = (CheckConstraint("quantity >= 0", name="ck_reservation_quantity"),)

    order_id: uuid.UUID = Field(primary_key=True)
    product_id: uuid.UUID = Field(foreign_key="product.id", primary_key=True)
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id", primary_key=True)
    quantity: Decimal = _decimal()
    """Still reserved (reserved minus issued minus released)."""
    issued: Decimal = _decimal()
    status: str = Field(default="active", max_length=10)
    created_at: datetime = _timestamp()


class TransferRow(InventoryModel, table=True):
    __tablename__ = "transfer"

    id: uuid.UUID = Field(primary_key=True)
    number: str = Field(max_length=32, unique=True)
    from_warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id")
    to_warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id")
    status: str = Field(max_length=12, index=True)
    lines: list[dict[str, str]] = Field(sa_column=Column(JSONB, nullable=False))
    dispatch_move_id: uuid.UUID = Field(foreign_key="stock_move.id")
    receipt_move_id: uuid.UUID | None = Field(default=None, foreign_key="stock_move.id")
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    created_at: datetime = _timestamp()
    received_at: datetime | None = _timestamp(nullable=True)


class ReorderRuleRow(InventoryModel, table=True):
    __tablename__ = "reorder_rule"
    __table_args__ = (CheckConstraint("min_qty >= 0 AND max_qty >= min_qty",
                                      name="ck_reorder_rule_range"),)

    product_id: uuid.UUID = Field(foreign_key="product.id", primary_key=True)
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id", primary_key=True)
    min_qty: Decimal = _decimal()
    max_qty: Decimal = _decimal()
    version: int = 1


class StockAlertRow(InventoryModel, table=True):
    """A low, high, expiry or overdue-transfer alert; open while ``cleared_at`` is null."""

    __tablename__ = "stock_alert"
    __table_args__ = (Index("ux_stock_alert_open", "kind", "product_id", "warehouse_id",
                            "subject", unique=True,
                            postgresql_where=text("cleared_at IS NULL")),)

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=12)
    product_id: uuid.UUID | None = Field(default=None, foreign_key="product.id")
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id")
    subject: str = Field(default="", max_length=64)
    """What else identifies it: the lot of an expiry alert, the transfer of an overdue one."""
    detail: dict[str, str] = Field(default_factory=dict, sa_column=Column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")))
    raised_at: datetime = _timestamp()
    cleared_at: datetime | None = _timestamp(nullable=True)


class IncomingSupplyRow(InventoryModel, table=True):
    """Quantities on approved purchase orders not yet received (projected stock)."""

    __tablename__ = "incoming_supply"
    __table_args__ = (Index("ix_incoming_supply_product_warehouse", "product_id",
                            "warehouse_id"),)

    purchase_order_id: uuid.UUID = Field(primary_key=True)
    product_id: uuid.UUID = Field(primary_key=True)
    warehouse_id: uuid.UUID = Field(primary_key=True)
    quantity: Decimal = _decimal()


class StockCountRow(InventoryModel, table=True):
    """A stocktake (盘点) of one warehouse, frozen at a ledger position."""

    __tablename__ = "stock_count"

    id: uuid.UUID = Field(primary_key=True)
    number: str = Field(max_length=32, unique=True)
    warehouse_id: uuid.UUID = Field(foreign_key="warehouse.id")
    status: str = Field(max_length=10)
    snapshot_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    move_id: uuid.UUID | None = Field(default=None, foreign_key="stock_move.id")
    created_at: datetime = _timestamp()
    posted_at: datetime | None = _timestamp(nullable=True)


class StockCountEntryRow(InventoryModel, table=True):
    """One scanner's count of a product (and lot); several add up."""

    __tablename__ = "stock_count_entry"
    __table_args__ = (Index("ix_stock_count_entry_count", "count_id", "product_id"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=False),
                                                          primary_key=True))
    count_id: uuid.UUID = Field(foreign_key="stock_count.id")
    product_id: uuid.UUID = Field(foreign_key="product.id")
    lot: str | None = Field(default=None, max_length=64)
    quantity: Decimal = _decimal()
    ledger_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    """The ledger position when this entry was recorded."""
    scanner: str = Field(default="", max_length=64)
    created_at: datetime = _timestamp()


DOCUMENT_NUMBERS = ("MV", "TR", "SC")
"""Document number prefixes; each has its own PostgreSQL sequence ``doc_seq_<prefix>``."""

balances = StockBalanceRow.__table__
ledger = StockLedgerRow.__table__
lots = LotBalanceRow.__table__
reservations = ReservationRow.__table__
moves = StockMoveRow.__table__
alerts = StockAlertRow.__table__
rules = ReorderRuleRow.__table__
incoming = IncomingSupplyRow.__table__
count_entries = StockCountEntryRow.__table__
