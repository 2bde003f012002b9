"""Purchase requisitions: raised by buyers or by inventory's low-stock alerts,
then converted into draft purchase orders, one per (supplier, warehouse)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.inventory import StockLevelLow
from jxc.platform.api import check_if_match, decode_cursor, encode_cursor
from jxc.platform.auth import Principal
from jxc.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from jxc.procurement.adapters.tables import (
    purchase_order,
    purchase_requisition,
    purchase_requisition_line,
    supplier_replica,
    warehouse_replica,
)
from jxc.procurement.domain import costs as pricing
from jxc.procurement.domain import requisitions as rules
from jxc.procurement.domain.orders import NewLine
from jxc.procurement.domain.requisitions import RequisitionLine
from jxc.procurement.service_layer import costs, orders

header = purchase_requisition
lines_table = purchase_requisition_line
SYSTEM_USER = "system:stock-alert"


@dataclass(frozen=True)
class NewRequisitionLine:
    product_id: uuid.UUID
    quantity: Decimal
    supplier_id: uuid.UUID | None = None
    needed_by: date | None = None


@dataclass(frozen=True)
class Requisition:
    header: Any
    lines: list[Any]


@dataclass(frozen=True)
class ConvertedOrder:
    order_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    requisition_ids: tuple[uuid.UUID, ...]


async def _next_number(session: AsyncSession) -> str:
    value, now = (await session.execute(text("SELECT nextval('doc_seq_pr'), now()"))).one()
    return f"PR-{now.year}-{value:06d}"


async def _warehouse_branch(session: AsyncSession, principal: Principal,
                            warehouse_id: uuid.UUID) -> uuid.UUID | None:
    """The warehouse's branch, after checking the warehouse is known, active
    and in the principal's scope."""
    branch_id: uuid.UUID | None = (await orders.warehouse(session, warehouse_id))["branch_id"]
    if not orders.may_use(principal, branch_id, warehouse_id):
        raise Forbidden(f"warehouse {warehouse_id} is outside your data scope")
    return branch_id


async def _check_parties(session: AsyncSession, lines: Sequence[NewRequisitionLine]) -> None:
    """422 for lines naming a product or supplier procurement does not know."""
    catalogue = orders.products.c
    products = set((await session.execute(select(catalogue.product_id).where(
        catalogue.product_id.in_({line.product_id for line in lines}),
        catalogue.active))).scalars())
    wanted_suppliers = {line.supplier_id for line in lines if line.supplier_id is not None}
    suppliers = set((await session.execute(select(supplier_replica.c.supplier_id).where(
        supplier_replica.c.supplier_id.in_(wanted_suppliers)))).scalars())
    errors = []
    for n, line in enumerate(lines):
        if line.product_id not in products:
            errors.append({"field": f"lines.{n}.product_id", "in": "body",
                           "message": "unknown or inactive product"})
        if line.supplier_id is not None and line.supplier_id not in suppliers:
            errors.append({"field": f"lines.{n}.supplier_id", "in": "body",
                           "message": "unknown supplier"})
    if errors:
        raise InvalidInput("the requisition lines are not valid", errors=errors)


async def raise_requisition(session: AsyncSession, principal: Principal, *,
                            warehouse_id: uuid.UUID, lines: Sequence[NewRequisitionLine],
                            note: str | None) -> uuid.UUID:
    """A buyer's requisition for a warehouse in their scope."""
    branch_id = await _warehouse_branch(session, principal, warehouse_id)
    await _check_parties(session, lines)
    requisition_id = uuid.uuid4()
    await session.execute(header.insert().values(
        id=requisition_id, number=await _next_number(session), warehouse_id=warehouse_id,
        branch_id=branch_id, source="manual", status=rules.OPEN, note=note, version=1,
        created_by=principal.username))
    await session.execute(lines_table.insert(), [
        {"requisition_id": requisition_id, "line_no": n, "product_id": line.product_id,
         "quantity": line.quantity, "supplier_id": line.supplier_id,
         "needed_by": line.needed_by} for n, line in enumerate(lines, start=1)])
    return requisition_id


async def choose_supplier(session: AsyncSession, product_id: uuid.UUID,
                          quantity: Decimal) -> uuid.UUID | None:
    """The product's preferred supplier, else the supplier with the best valid
    list price (in the company currency) for the quantity, else None; blocked
    or inactive suppliers are passed over."""
    unusable = set((await session.execute(select(supplier_replica.c.supplier_id).where(
        or_(supplier_replica.c.status == "blocked", ~supplier_replica.c.active)))).scalars())
    preferred = await costs.preferred_supplier(session, product_id)
    if preferred is not None and preferred not in unusable:
        return preferred
    best = pricing.best_offer(
        [o for o in await costs.offers(session, [product_id]) if o.supplier_id not in unusable],
        quantity, costs.today(), currency=pricing.BASE_CURRENCY)
    return best.supplier_id if best is not None else None


async def on_stock_low(session: AsyncSession, event: StockLevelLow) -> None:
    """Keep one open automatic requisition per (warehouse, product) for the
    quantity inventory suggests: the first alert raises it, a later one
    updates it (and looks for a supplier again if it still has none, and for
    the warehouse's branch if the warehouse replica lacked it)."""
    if event.suggested_qty <= 0:
        return
    branch_of = select(warehouse_replica.c.branch_id).where(
        warehouse_replica.c.warehouse_id == event.warehouse_id)
    while True:
        current = (await session.execute(
            select(header.c.id, lines_table.c.supplier_id)
            .join(lines_table, lines_table.c.requisition_id == header.c.id)
            .where(header.c.warehouse_id == event.warehouse_id,
                   header.c.auto_product_id == event.product_id,
                   header.c.status == rules.OPEN)
            .with_for_update(of=header))).first()
        if current is not None:
            supplier_id = current.supplier_id or await choose_supplier(
                session, event.product_id, event.suggested_qty)
            await session.execute(update(lines_table).where(
                lines_table.c.requisition_id == current.id).values(
                quantity=event.suggested_qty, supplier_id=supplier_id))
            await session.execute(update(header).where(header.c.id == current.id).values(
                version=header.c.version + 1, updated_at=func.now(),
                branch_id=func.coalesce(header.c.branch_id, branch_of.scalar_subquery())))
            return
        requisition_id = uuid.uuid4()
        branch_id = (await session.execute(branch_of)).scalar_one_or_none()
        created = (await session.execute(insert(header).values(
            id=requisition_id, number=await _next_number(session),
            warehouse_id=event.warehouse_id, branch_id=branch_id, source="auto",
            auto_product_id=event.product_id, status=rules.OPEN, version=1,
            note=f"stock low: {event.available} available, minimum {event.min_qty}",
            created_by=SYSTEM_USER,
        ).on_conflict_do_nothing(
            index_elements=["warehouse_id", "auto_product_id"],
            index_where=text("status = 'open' AND auto_product_id IS NOT NULL"),
        ).returning(header.c.id))).first()
        if created is None:
            continue
        await session.execute(lines_table.insert().values(
            requisition_id=requisition_id, line_no=1, product_id=event.product_id,
            quantity=event.suggested_qty,
            supplier_id=await choose_supplier(session, event.product_id, event.suggested_qty)))
        return


# -- reading -------------------------------------------------------------------------
def _visible(principal: Principal) -> Any:
    return costs.in_scope(principal, header.c.warehouse_id, header.c.branch_id)


async def _lines_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Any]]:
    found: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    for row in await session.execute(select(lines_table).where(
            lines_table.c.requisition_id.in_(ids)).order_by(
            lines_table.c.requisition_id, lines_table.c.line_no)):
        found[row.requisition_id].append(row)
    return found


async def get_requisition(session: AsyncSession, principal: Principal,
                          requisition_id: uuid.UUID, *, for_update: bool = False) -> Requisition:
    query = select(header).where(header.c.id == requisition_id, _visible(principal))
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"no purchase requisition {requisition_id}")
    return Requisition(row, (await _lines_of(session, [row.id]))[row.id])


async def list_requisitions(session: AsyncSession, principal: Principal, *,
                            status: str | None, warehouse_id: uuid.UUID | None, limit: int,
                            cursor: str | None) -> tuple[list[Requisition], str | None]:
    """One page, by number (oldest first)."""
    query = select(header).where(_visible(principal))
    if status is not None:
        query = query.where(header.c.status == status)
    if warehouse_id is not None:
        query = query.where(header.c.warehouse_id == warehouse_id)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(header.c.number > str(after.get("after")))
    rows = list(await session.execute(query.order_by(header.c.number).limit(limit + 1)))
    next_cursor = encode_cursor({"after": rows[limit - 1].number}) if len(rows) > limit else None
    rows = rows[:limit]
    lines = await _lines_of(session, [r.id for r in rows])
    return [Requisition(r, lines[r.id]) for r in rows], next_cursor


# -- changing ------------------------------------------------------------------------
def _ensure_open(row: Any) -> None:
    try:
        rules.ensure_open(row.number, row.status)
    except rules.RequisitionClosed as exc:
        raise Conflict(str(exc), code="requisition_closed", requisition_id=str(row.id),
                       requisition_status=row.status) from exc


async def change_line(session: AsyncSession, principal: Principal, requisition_id: uuid.UUID,
                      line_no: int, *, if_match: str | None, changes: dict[str, Any]) -> None:
    """Set an open requisition line's supplier, quantity or date needed."""
    requisition = await get_requisition(session, principal, requisition_id, for_update=True)
    check_if_match(if_match, requisition.header.version)
    _ensure_open(requisition.header)
    if line_no not in {line.line_no for line in requisition.lines}:
        raise NotFound(f"requisition {requisition.header.number} has no line {line_no}")
    if "quantity" in changes and changes["quantity"] is None:
        raise InvalidInput("a line needs a quantity", errors=[
            {"field": "quantity", "in": "body", "message": "must be more than 0"}])
    if changes.get("supplier_id") is not None:
        known = (await session.execute(select(supplier_replica.c.supplier_id).where(
            supplier_replica.c.supplier_id == changes["supplier_id"]))).first()
        if known is None:
            raise InvalidInput("unknown supplier", errors=[
                {"field": "supplier_id", "in": "body", "message": "unknown supplier"}])
    if changes:
        await session.execute(update(lines_table).where(
            lines_table.c.requisition_id == requisition_id,
            lines_table.c.line_no == line_no).values(**changes))
    await session.execute(update(header).where(header.c.id == requisition_id).values(
        version=header.c.version + 1, updated_at=func.now()))


async def cancel(session: AsyncSession, principal: Principal, requisition_id: uuid.UUID, *,
                 if_match: str | None) -> None:
    requisition = await get_requisition(session, principal, requisition_id, for_update=True)
    check_if_match(if_match, requisition.header.version)
    _ensure_open(requisition.header)
    await session.execute(update(header).where(header.c.id == requisition_id).values(
        status=rules.CANCELLED, version=header.c.version + 1, updated_at=func.now(),
        closed_at=func.now()))


def _expected_at(draft: rules.DraftOrder) -> datetime | None:
    """The earliest date any of the requisition lines is needed by."""
    needed = [src.needed_by for line in draft.lines for src in line.sources
              if src.needed_by is not None]
    return datetime.combine(min(needed), time(), tzinfo=UTC) if needed else None


async def convert(session: AsyncSession, principal: Principal,
                  requisition_ids: Sequence[uuid.UUID]) -> list[ConvertedOrder]:
    """Turn open requisitions into draft purchase orders, one per (supplier,
    warehouse), priced at the supplier's best valid list price for the
    quantity, else the last price paid to it; all or nothing."""
    wanted = sorted(set(requisition_ids))
    found = list(await session.execute(select(header).where(
        header.c.id.in_(wanted), _visible(principal)).order_by(header.c.id).with_for_update()))
    missing = set(wanted) - {row.id for row in found}
    if missing:
        raise NotFound("no purchase requisition " + ", ".join(sorted(map(str, missing))))
    for row in found:
        _ensure_open(row)
    numbers = {row.id: row.number for row in found}
    warehouses = {row.id: row.warehouse_id for row in found}
    lines_of = await _lines_of(session, wanted)
    source_lines = [
        RequisitionLine(requisition_id=row.id, number=numbers[row.id], line_no=line.line_no,
                        warehouse_id=warehouses[row.id], product_id=line.product_id,
                        quantity=line.quantity, supplier_id=line.supplier_id,
                        needed_by=line.needed_by)
        for row in sorted(found, key=lambda r: r.number) for line in lines_of[row.id]]
    try:
        drafts = rules.group_for_orders(source_lines)
    except rules.SupplierMissing as exc:
        raise InvalidInput(str(exc), code="supplier_missing", errors=[
            {"field": "requisition_ids", "in": "body",
             "message": f"{line.number} line {line.line_no} has no supplier"}
            for line in exc.lines]) from exc
    prices = await _price(session, drafts)
    converted = []
    for draft in drafts:
        order_id = await orders.create_draft(
            session, supplier_id=draft.supplier_id, warehouse_id=draft.warehouse_id,
            lines=[NewLine(product_id=line.product_id, quantity=line.quantity,
                           unit_price=prices[(draft.supplier_id, line.product_id,
                                              line.quantity)])
                   for line in draft.lines],
            created_by=principal.subject, expected_at=_expected_at(draft),
            note="from requisitions " + ", ".join(
                sorted({src.number for line in draft.lines for src in line.sources})),
            requisition_ids=draft.requisition_ids)
        for line in draft.lines:
            for src in line.sources:
                await session.execute(update(lines_table).where(
                    lines_table.c.requisition_id == src.requisition_id,
                    lines_table.c.line_no == src.line_no).values(order_id=order_id))
        number = (await session.execute(select(purchase_order.c.number).where(
            purchase_order.c.id == order_id))).scalar_one()
        converted.append(ConvertedOrder(order_id, number, draft.supplier_id,
                                        draft.warehouse_id, draft.requisition_ids))
    await session.execute(update(header).where(header.c.id.in_(wanted)).values(
        status=rules.CONVERTED, version=header.c.version + 1, updated_at=func.now(),
        closed_at=func.now()))
    return converted


async def _price(session: AsyncSession, drafts: Sequence[rules.DraftOrder],
                 ) -> dict[tuple[uuid.UUID, uuid.UUID, Decimal], Decimal]:
    """The unit price of every order line, keyed (supplier, product,
    quantity), from list prices in the supplier's currency (the order's); 409
    for a blocked supplier, 422 naming every line without a price."""
    available = await costs.offers(session, {line.product_id for draft in drafts
                                             for line in draft.lines})
    day = costs.today()
    prices: dict[tuple[uuid.UUID, uuid.UUID, Decimal], Decimal] = {}
    errors = []
    for draft in drafts:
        supplier = await orders.usable_supplier(session, draft.supplier_id)
        for line in draft.lines:
            best = pricing.best_offer(
                costs.offers_for(available, line.product_id, draft.supplier_id),
                line.quantity, day, currency=supplier["currency"])
            price = best.unit_price if best is not None else await costs.last_purchase_price(
                session, draft.supplier_id, line.product_id)
            if price is None:
                errors.append({"field": "requisition_ids", "in": "body",
                               "supplier_id": str(draft.supplier_id),
                               "product_id": str(line.product_id),
                               "message": "no valid price-list price and no earlier purchase "
                                          "from this supplier: add a price to the supplier's "
                                          "price list"})
            else:
                prices[(draft.supplier_id, line.product_id, line.quantity)] = price
    if errors:
        raise InvalidInput("some lines have no price", code="price_missing", errors=errors)
    return prices
