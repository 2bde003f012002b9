"""Inventory against the ledger: goods in stock (1405) reconciled with a
projection of inventory's stock events, the difference listed by cause."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.finance.adapters.tables import inventory_value, journal_entry, journal_line
from jxc.finance.domain import accounts as acc
from jxc.finance.domain.journal import to_cents

STOCK_SOURCES = ("inventory.StockReceived", "inventory.StockIssued", "inventory.StockAdjusted")


async def project(session: AsyncSession, product_id: uuid.UUID, warehouse_id: uuid.UUID,
                  value: Decimal) -> None:
    """Add one stock event's value (signed) to the projection, in the
    transaction that posts it (the consumer's inbox makes it once per message)."""
    cents = to_cents(value) if value >= 0 else -to_cents(-value)
    statement = insert(inventory_value).values(
        product_id=product_id, warehouse_id=warehouse_id, value=value, value_cents=cents,
        moves=1)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["product_id", "warehouse_id"],
        set_={"value": inventory_value.c.value + statement.excluded.value,
              "value_cents": inventory_value.c.value_cents + statement.excluded.value_cents,
              "moves": inventory_value.c.moves + 1}))


@dataclass(frozen=True)
class Cause:
    cause: str
    source_type: str | None
    amount: Decimal


@dataclass(frozen=True)
class Reconciliation:
    ledger: Decimal
    projected: Decimal
    difference: Decimal
    causes: list[Cause]


async def reconcile(session: AsyncSession) -> Reconciliation:
    """ledger − projected = Σ causes, exactly:

    - ``other_postings``: 1405 lines not from stock events (manual entries,
      bills' price variances, …), per source type;
    - ``stock_postings_not_projected``: stock postings to 1405 the projection
      does not hold (posted before it existed, migration 0006), or projected
      events whose posting differs;
    - ``rounding``: the ledger rounds each event to 0.01, the projection
      keeps its four places.

    Events that were dead-lettered are in neither (the ledger and the
    projection move in one transaction), so they cannot show here: look at the
    consumer's dead letters."""
    joined = journal_line.join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
    by_source = {r.source_type: Decimal(r.net) for r in (await session.execute(
        select(journal_entry.c.source_type,
               func.sum(journal_line.c.debit - journal_line.c.credit).label("net"))
        .select_from(joined).where(journal_line.c.account_code == acc.GOODS)
        .group_by(journal_entry.c.source_type))).all()}
    projected, projected_cents = (Decimal(x) for x in (await session.execute(select(
        func.coalesce(func.sum(inventory_value.c.value), 0),
        func.coalesce(func.sum(inventory_value.c.value_cents), 0)))).one())
    ledger = sum(by_source.values(), Decimal(0))
    stock = sum((v for k, v in by_source.items() if k in STOCK_SOURCES), Decimal(0))
    causes = [Cause("other_postings", k, v) for k, v in sorted(by_source.items())
              if k not in STOCK_SOURCES and v]
    causes.append(Cause("stock_postings_not_projected", None, stock - projected_cents))
    causes.append(Cause("rounding", None, projected_cents - projected))
    return Reconciliation(ledger, projected, ledger - projected,
                          [c for c in causes if c.amount])


async def projection(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID, Decimal, int]]:
    rows = (await session.execute(select(inventory_value).order_by(
        inventory_value.c.product_id, inventory_value.c.warehouse_id))).all()
    return [(r.product_id, r.warehouse_id, Decimal(r.value), r.moves) for r in rows]
