"""Bin locations (库位) of a warehouse."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.stock_tables import BinLocationRow
from jxc.inventory.service_layer.ledger import warehouse_facts
from jxc.platform.errors import Conflict


async def create(session: AsyncSession, warehouse_id: uuid.UUID, code: str,
                 name: str) -> BinLocationRow:
    await warehouse_facts(session, [warehouse_id])
    row = BinLocationRow(id=uuid.uuid4(), warehouse_id=warehouse_id, code=code, name=name)
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"bin {code} already exists in this warehouse", code="duplicate") from exc
    return row


async def of_warehouse(session: AsyncSession, warehouse_id: uuid.UUID) -> list[BinLocationRow]:
    await warehouse_facts(session, [warehouse_id])
    return list((await session.execute(select(BinLocationRow).where(
        BinLocationRow.warehouse_id == warehouse_id).order_by(BinLocationRow.code))).scalars())
