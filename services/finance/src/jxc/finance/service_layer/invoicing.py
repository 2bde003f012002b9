"""Invoicing shipments on demand (settings ``invoicing = "on_demand"``): a
shipment waits in ``uninvoiced_shipment`` until someone invoices it, alone or
with other shipments of the same customer. Until then its order stays open
for the credit check, so the exposure counts it either way."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.sales import SalesOrderShipped
from jxc.finance.adapters.tables import uninvoiced_shipment
from jxc.finance.domain import rules
from jxc.finance.service_layer import documents
from jxc.platform.errors import Conflict, InvalidInput

SHIPMENTS_KEY = uuid.UUID("6f1d7a52-4c0e-4b7e-9a5d-2b8f0c3e1a90")
"""Namespace of the invoice source key of a set of shipments (uuid5)."""


class AlreadyInvoiced(Conflict):
    code, title = "already_invoiced", "The shipment is already invoiced"


def shipment_lines(event: SalesOrderShipped) -> tuple[tuple[uuid.UUID, Decimal, Decimal], ...]:
    """(product, quantity, net) per shipped line, for revenue per product."""
    return tuple((x.product_id, x.quantity, x.quantity * x.unit_price - x.discount)
                 for x in event.lines)


async def hold(session: AsyncSession, event: SalesOrderShipped) -> None:
    """Keep the shipment to invoice later (once per shipment)."""
    await session.execute(insert(uninvoiced_shipment).values(
        shipment_id=event.shipment_id, order_id=event.order_id, customer_id=event.customer_id,
        currency=event.currency, net=event.net, tax=event.tax,
        lines=[{"product_id": str(p), "quantity": str(q), "net": str(n)}
               for p, q, n in shipment_lines(event)],
        shipped_on=event.shipped_at.date()).on_conflict_do_nothing(
            index_elements=["shipment_id"]))


async def waiting(session: AsyncSession, customer_id: uuid.UUID | None) -> Sequence[Any]:
    """Shipments not invoiced yet, oldest first."""
    query = select(uninvoiced_shipment).where(uninvoiced_shipment.c.invoice_id.is_(None))
    if customer_id is not None:
        query = query.where(uninvoiced_shipment.c.customer_id == customer_id)
    return (await session.execute(query.order_by(uninvoiced_shipment.c.shipped_on,
                                                 uninvoiced_shipment.c.shipment_id))).all()


@dataclass(frozen=True)
class Selection:
    customer_id: uuid.UUID
    shipment_ids: tuple[uuid.UUID, ...] | None
    """None: every uninvoiced shipment of the customer."""
    issued_on: date


async def invoice_shipments(session: AsyncSession, selection: Selection) -> uuid.UUID:
    """One invoice for the selected shipments of one customer: their lines,
    net and tax (each shipment's rounded to cents, as a per-shipment invoice
    would be) summed; each shipment's total taken off its order's open
    amount; the shipments marked with the invoice."""
    query = select(uninvoiced_shipment).where(
        uninvoiced_shipment.c.customer_id == selection.customer_id)
    if selection.shipment_ids is None:
        query = query.where(uninvoiced_shipment.c.invoice_id.is_(None))
    else:
        if len(set(selection.shipment_ids)) != len(selection.shipment_ids):
            raise InvalidInput("a shipment is selected twice", code="duplicate_shipment")
        query = query.where(uninvoiced_shipment.c.shipment_id.in_(selection.shipment_ids))
    rows = (await session.execute(query.order_by(uninvoiced_shipment.c.shipment_id)
                                  .with_for_update())).all()
    if selection.shipment_ids is not None:
        missing = set(selection.shipment_ids) - {r.shipment_id for r in rows}
        if missing:
            raise InvalidInput("shipments not waiting for an invoice of this customer: "
                               + ", ".join(sorted(map(str, missing))), code="unknown_shipment",
                               errors=[{"field": "shipment_ids", "in": "body",
                                        "message": f"unknown shipment {s}"}
                                       for s in sorted(map(str, missing))])
        done = [r for r in rows if r.invoice_id is not None]
        if done:
            raise AlreadyInvoiced(f"shipment {done[0].shipment_id} is already invoiced",
                                  shipment_id=str(done[0].shipment_id),
                                  invoice_id=str(done[0].invoice_id))
    if not rows:
        raise InvalidInput("the customer has no shipment waiting for an invoice",
                           code="nothing_to_invoice")
    if len({r.currency for r in rows}) != 1:
        raise InvalidInput("the shipments are in different currencies", code="currency_mismatch")
    parts = [rules.split(r.net, r.tax) for r in rows]
    releases: dict[uuid.UUID, Decimal] = {}
    for r, (_, _, total) in zip(rows, parts, strict=True):
        releases[r.order_id] = releases.get(r.order_id, Decimal(0)) + total
    ids = sorted(str(r.shipment_id) for r in rows)
    orders = sorted(releases)
    invoice_id = await documents.issue_invoice(session, documents.NewInvoice(
        customer_id=selection.customer_id,
        source_key=f"shipments:{uuid.uuid5(SHIPMENTS_KEY, ','.join(ids))}",
        net=sum((n for n, _, _ in parts), Decimal(0)),
        tax=sum((t for _, t, _ in parts), Decimal(0)), issued_on=selection.issued_on,
        order_id=orders[0] if len(orders) == 1 else None,
        shipment_id=rows[0].shipment_id if len(rows) == 1 else None,
        currency=rows[0].currency,
        lines=tuple((uuid.UUID(x["product_id"]), Decimal(x["quantity"]), Decimal(x["net"]))
                    for r in rows for x in r.lines),
        releases=tuple(releases.items())))
    assert invoice_id is not None  # the shipments were not invoiced
    await session.execute(update(uninvoiced_shipment).where(
        uninvoiced_shipment.c.shipment_id.in_([r.shipment_id for r in rows]))
        .values(invoice_id=invoice_id))
    return invoice_id
