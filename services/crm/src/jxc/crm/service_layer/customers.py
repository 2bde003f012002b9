"""Customer master use cases; each change is announced as CustomerUpserted."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.crm import CustomerUpserted
from jxc.crm.adapters.tables import CustomerRow
from jxc.platform.api import keyset_page
from jxc.platform.envelope import new_id
from jxc.platform.errors import NotFound
from jxc.platform.records import load_for_update, save_and_announce

DUPLICATE = "a customer with this code already exists"


def _announce(row: CustomerRow) -> CustomerUpserted:
    return CustomerUpserted(customer_id=row.id, code=row.code, name=row.name,
                            credit_limit=row.credit_limit, currency=row.currency,
                            category=row.category, active=row.active, version=row.version)


async def create_customer(session: AsyncSession, fields: dict[str, Any],
                          correlation_id: str | None = None) -> CustomerRow:
    row = CustomerRow(id=new_id(), version=1, **fields)
    return await save_and_announce(session, row, _announce, duplicate=DUPLICATE,
                                   correlation_id=correlation_id)


async def update_customer(session: AsyncSession, customer_id: uuid.UUID,
                          changes: dict[str, Any], if_match: str | None,
                          correlation_id: str | None = None) -> CustomerRow:
    row = await load_for_update(session, CustomerRow, customer_id, if_match, "customer")
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    return await save_and_announce(session, row, _announce, duplicate=DUPLICATE,
                                   correlation_id=correlation_id)


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> CustomerRow:
    row = await session.get(CustomerRow, customer_id)
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return row


async def list_customers(session: AsyncSession, limit: int,
                         cursor: str | None) -> tuple[list[CustomerRow], str | None]:
    return await keyset_page(session, select(CustomerRow), CustomerRow.code, limit, cursor)
