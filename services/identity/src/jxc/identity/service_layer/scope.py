"""The data scope an access token carries, from the branch tree and the
warehouse directory replica."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.identity.adapters.tables import BranchRow, WarehouseEntry
from jxc.identity.domain.scope import TokenScope, token_scope


async def branch_parents(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await session.execute(select(BranchRow.id, BranchRow.parent_id))
    return {row.id: row.parent_id for row in rows}


async def for_token(session: AsyncSession, branches: Iterable[str] | None,
                    warehouses: Iterable[str] | None) -> TokenScope:
    if branches is None:
        return token_scope(None, warehouses, {}, {})
    parents = await branch_parents(session)
    directory = {row.warehouse_id: row.branch_id for row in await session.execute(
        select(WarehouseEntry.warehouse_id, WarehouseEntry.branch_id).where(
            WarehouseEntry.branch_id.is_not(None)))}  # type: ignore[union-attr]
    return token_scope(branches, warehouses, parents, directory)
