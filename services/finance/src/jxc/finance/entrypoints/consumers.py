"""finance's consumer groups.

``finance.credit`` keeps customers' credit limits and payment terms from crm
and suppliers' payment terms from supplier;
``finance.postings`` turns inventory's stock moves and sales' shipments and
returns into journal entries and invoices (each source posted once: the inbox
skips a redelivered message, the entry's unique source key a re-sent one;
with on-demand invoicing shipments wait to be invoiced, see
:func:`postings_for`);
``finance.commands`` answers the sales saga's credit check."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.crm import CustomerUpserted
from jxc.contracts.finance import CheckCredit
from jxc.contracts.inventory import StockAdjusted, StockIssued, StockReceived
from jxc.contracts.procurement import (
    GoodsReceived,
    GoodsReturned,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
)
from jxc.contracts.sales import (
    SalesOrderCancelled,
    SalesOrderConfirmed,
    SalesOrderShipped,
    SalesReturnReceived,
)
from jxc.contracts.supplier import SupplierUpserted
from jxc.finance.adapters.tables import CustomerCredit, supplier_terms
from jxc.finance.domain import rules
from jxc.finance.domain.journal import tagged, to_cents
from jxc.finance.service_layer import credit as credit_check
from jxc.finance.service_layer import documents, invoicing, ledger, matching, reconciliation
from jxc.finance.settings import FinanceSettings
from jxc.platform.bus import EventConsumer
from jxc.platform.envelope import Envelope
from jxc.platform.outbox import emit
from jxc.platform.replica import upsert_newer

credit = EventConsumer("finance.credit", [topics.CRM_EVENTS, topics.SUPPLIER_EVENTS])
postings = EventConsumer("finance.postings", [topics.INVENTORY_EVENTS, topics.SALES_EVENTS,
                                             topics.PROCUREMENT_EVENTS])
commands = EventConsumer("finance.commands", [topics.FINANCE_COMMANDS])


@credit.on(CustomerUpserted)
async def keep_credit_limit(event: CustomerUpserted, envelope: Envelope,
                            session: AsyncSession) -> None:
    table = CustomerCredit.__table__  # type: ignore[attr-defined]
    await upsert_newer(session, table, {"customer_id": event.customer_id}, {
        "code": event.code, "name": event.name, "credit_limit": event.credit_limit,
        "currency": event.currency, "payment_terms_days": event.payment_terms_days,
        "active": event.active, "version": event.version})


@credit.on(SupplierUpserted)
async def keep_supplier_terms(event: SupplierUpserted, envelope: Envelope,
                              session: AsyncSession) -> None:
    await upsert_newer(session, supplier_terms, {"supplier_id": event.supplier_id}, {
        "code": event.code, "name": event.name,
        "payment_terms_days": event.payment_terms_days, "active": event.active,
        "version": event.version})


def _memo(kind: str, reference: str | None) -> str:
    return f"{kind} {reference}" if reference else kind


@postings.on(StockReceived)
async def post_stock_received(event: StockReceived, envelope: Envelope,
                              session: AsyncSession) -> None:
    await ledger.post_once(session, tagged(rules.stock_received(
        event.occurred_at.date(), f"{event.move_id}/{envelope.id}", event.reason,
        event.total_cost, _memo(f"stock in ({event.reason})", event.reference)),
        event.product_id), causation_id=envelope.id)
    await reconciliation.project(session, event.product_id, event.warehouse_id, event.total_cost)


@postings.on(StockIssued)
async def post_stock_issued(event: StockIssued, envelope: Envelope,
                            session: AsyncSession) -> None:
    await ledger.post_once(session, tagged(rules.stock_issued(
        event.occurred_at.date(), f"{event.move_id}/{envelope.id}", event.reason,
        event.total_cost, _memo(f"stock out ({event.reason})", event.reference)),
        event.product_id, event.order_id if event.reason == "sale" else None),
        causation_id=envelope.id)
    await reconciliation.project(session, event.product_id, event.warehouse_id, -event.total_cost)


@postings.on(StockAdjusted)
async def post_stock_adjusted(event: StockAdjusted, envelope: Envelope,
                              session: AsyncSession) -> None:
    await ledger.post_once(session, tagged(rules.stock_adjusted(
        event.occurred_at.date(), f"{event.move_id}/{envelope.id}",
        event.total_cost, _memo("stock adjusted", event.reason), event.reverses_reason),
        event.product_id),
        causation_id=envelope.id)
    await reconciliation.project(session, event.product_id, event.warehouse_id, event.total_cost)


@postings.on(SalesOrderConfirmed)
async def remember_open_order(event: SalesOrderConfirmed, envelope: Envelope,
                              session: AsyncSession) -> None:
    await credit_check.order_confirmed(session, event)


@postings.on(SalesOrderCancelled)
async def forget_open_order(event: SalesOrderCancelled, envelope: Envelope,
                            session: AsyncSession) -> None:
    await credit_check.order_closed(session, event)


@postings.on(SalesOrderShipped)
async def invoice_shipment(event: SalesOrderShipped, envelope: Envelope,
                           session: AsyncSession) -> None:
    await documents.issue_invoice(session, documents.NewInvoice(
        customer_id=event.customer_id, source_key=f"shipment:{event.shipment_id}",
        net=event.net, tax=event.tax, issued_on=event.shipped_at.date(),
        order_id=event.order_id, shipment_id=event.shipment_id, currency=event.currency,
        lines=invoicing.shipment_lines(event)), causation_id=envelope.id)


async def hold_shipment(event: SalesOrderShipped, envelope: Envelope,
                        session: AsyncSession) -> None:
    """On-demand invoicing: the shipment waits for ``POST /invoices/from-shipments``."""
    await invoicing.hold(session, event)


def postings_for(settings: FinanceSettings) -> EventConsumer:
    """``postings`` with shipments handled as ``settings.invoicing`` says:
    invoiced at once (``per_shipment``: ``postings`` itself) or kept for
    invoicing on demand (``on_demand``)."""
    if settings.invoicing == "per_shipment":
        return postings
    consumer = EventConsumer(postings.name, postings.topics)
    consumer.handlers = {**postings.handlers, SalesOrderShipped.type_name: hold_shipment}
    return consumer


@postings.on(SalesReturnReceived)
async def credit_note_for_return(event: SalesReturnReceived, envelope: Envelope,
                                 session: AsyncSession) -> None:
    await documents.issue_invoice(session, documents.NewInvoice(
        customer_id=event.customer_id, source_key=f"return:{event.return_id}",
        net=-event.net, tax=-event.tax, issued_on=event.received_at.date(),
        order_id=event.order_id, currency=event.currency,
        lines=tuple((x.product_id, -x.quantity, -(x.quantity * x.unit_price - x.discount))
                    for x in event.lines)), causation_id=envelope.id)


@postings.on(GoodsReceived)
async def remember_goods_received(event: GoodsReceived, envelope: Envelope,
                                  session: AsyncSession) -> None:
    """The ledger entry comes from inventory's StockReceived (the value it
    booked); this only records what a bill for the order will clear and, per
    line, what bills are matched against."""
    if await documents.record_goods(session, event.receipt_id, event.order_id,
                                    event.supplier_id,
                                    sum((to_cents(line.quantity * line.unit_cost)
                                         for line in event.lines), Decimal(0)),
                                    event.received_at):
        await matching.remember_goods_lines(session, event.receipt_id, event.order_id, [
            (line.product_id, line.quantity, line.unit_cost) for line in event.lines])


@postings.on(GoodsReturned)
async def remember_goods_returned(event: GoodsReturned, envelope: Envelope,
                                  session: AsyncSession) -> None:
    """Also raises a debit note when the returned goods were already billed."""
    value = sum((to_cents(line.quantity * line.unit_cost) for line in event.lines), Decimal(0))
    tax = sum((line.quantity * line.unit_cost * line.tax_rate for line in event.lines),
              Decimal(0))
    if await documents.record_goods(session, event.return_id, event.order_id,
                                    event.supplier_id, -value, event.returned_at):
        await matching.remember_goods_lines(session, event.return_id, event.order_id, [
            (line.product_id, -line.quantity, line.unit_cost) for line in event.lines])
        await documents.debit_note_for_return(session, event.return_id, event.order_id,
                                              event.supplier_id, value, tax,
                                              event.returned_at.date())


@postings.on(PurchaseOrderApproved)
async def remember_purchase_order(event: PurchaseOrderApproved, envelope: Envelope,
                                  session: AsyncSession) -> None:
    """What bills of the order are matched against, line by line."""
    await matching.remember_order(session, event.order_id, event.number, event.supplier_id,
                                  event.currency, [
                                      (line.product_id, line.quantity, line.unit_price,
                                       line.tax_rate) for line in event.lines],
                                  event.revision)


@postings.on(PurchaseOrderCancelled)
async def purchase_order_cancelled(event: PurchaseOrderCancelled, envelope: Envelope,
                                   session: AsyncSession) -> None:
    await matching.order_ended(session, event.order_id, "cancelled")


@postings.on(PurchaseOrderClosed)
async def purchase_order_closed(event: PurchaseOrderClosed, envelope: Envelope,
                                session: AsyncSession) -> None:
    await matching.order_ended(session, event.order_id, "closed")


@commands.on(CheckCredit)
async def check_credit(command: CheckCredit, envelope: Envelope,
                       session: AsyncSession) -> None:
    reply = await credit_check.check(session, command)
    await emit(session, reply, correlation_id=envelope.correlation_id, causation_id=envelope.id)
