"""Purchase orders as people read them: one order with its lines, approvals,
receipts and returns; pages of orders newest first."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.api import decode_cursor, encode_cursor
from jxc.platform.auth import Principal
from jxc.platform.errors import InvalidInput
from jxc.procurement.adapters.tables import (
    goods_receipt,
    goods_receipt_line,
    purchase_order,
    purchase_order_approval,
    supplier_replica,
    supplier_return,
    supplier_return_line,
    warehouse_replica,
)
from jxc.procurement.domain.orders import ZERO, Status
from jxc.procurement.service_layer.orders import load, visible

po = purchase_order
ENDED = {Status.CLOSED, Status.CANCELLED, Status.REJECTED}


async def detail(session: AsyncSession, order_id: uuid.UUID,
                 principal: Principal | None = None) -> dict[str, Any]:
    order = await load(session, order_id, principal)
    row = dict(order.row)
    names = (await session.execute(
        select(supplier_replica.c.name, supplier_replica.c.email).where(
            supplier_replica.c.supplier_id == row["supplier_id"]))).first()
    store = (await session.execute(select(warehouse_replica.c.name).where(
        warehouse_replica.c.warehouse_id == row["warehouse_id"]))).scalar_one_or_none()
    ended = order.status in ENDED
    lines = [{
        "line_no": line.line_no, "product_id": line.product_id,
        **order.products[line.product_id], "quantity": line.quantity,
        "unit_price": line.unit_price, "tax_rate": line.tax_rate, "net": line.net,
        "tax": line.tax, "total": line.net + line.tax, "received": line.received,
        "rejected": line.rejected, "returned": line.returned,
        "backorder": ZERO if ended else line.backorder} for line in order.lines]
    approvals = [dict(r) for r in (await session.execute(
        select(purchase_order_approval).where(purchase_order_approval.c.order_id == order_id)
        .order_by(purchase_order_approval.c.revision, purchase_order_approval.c.level)
    )).mappings()]
    pending = next((a for a in approvals if a["revision"] == row["revision"]
                    and a["decision"] is None), None) if order.status is Status.SUBMITTED else None
    return {**row, "supplier_name": names.name if names else None,
            "supplier_email": names.email if names else None, "warehouse_name": store,
            "requisition_ids": [uuid.UUID(r) for r in row["requisition_ids"]],
            "lines": lines, "approvals": approvals,
            "pending_level": None if pending is None else pending["level"],
            "pending_permission": None if pending is None else pending["permission"],
            "receipts": await _documents(session, goods_receipt, goods_receipt_line,
                                         "receipt_id", order_id, "received_at"),
            "returns": await _documents(session, supplier_return, supplier_return_line,
                                        "return_id", order_id, "returned_at")}


async def _documents(session: AsyncSession, header: Any, body: Any, key: str,
                     order_id: uuid.UUID, at: str) -> list[dict[str, Any]]:
    heads = [dict(r) for r in (await session.execute(select(header).where(
        header.c.order_id == order_id).order_by(header.c[at], header.c.id))).mappings()]
    if not heads:
        return []
    lines: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for r in (await session.execute(select(body).where(
            body.c[key].in_([h["id"] for h in heads])).order_by(body.c.line_no))).mappings():
        lines[r[key]].append(dict(r))
    return [{**h, "lines": lines[h["id"]]} for h in heads]


async def page(session: AsyncSession, principal: Principal, *, status: Status | None,
               supplier_id: uuid.UUID | None, warehouse_id: uuid.UUID | None, limit: int,
               cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first (by number, which grows with time), keyset-paginated."""
    query = (select(po, supplier_replica.c.name.label("supplier_name"))
             .outerjoin(supplier_replica, supplier_replica.c.supplier_id == po.c.supplier_id)
             .where(visible(principal)))
    if status is not None:
        query = query.where(po.c.status == status)
    if supplier_id is not None:
        query = query.where(po.c.supplier_id == supplier_id)
    if warehouse_id is not None:
        query = query.where(po.c.warehouse_id == warehouse_id)
    after = decode_cursor(cursor)
    if after is not None:
        if not isinstance(after.get("before"), str):
            raise InvalidInput("cursor is not valid", errors=[
                {"field": "cursor", "in": "query", "message": "not a cursor from this API"}])
        query = query.where(po.c.number < after["before"])
    rows = [dict(r) for r in (await session.execute(
        query.order_by(po.c.number.desc()).limit(limit + 1))).mappings()]
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor({"before": rows[limit - 1]["number"]})
