"""Local read replicas of another service's data (DESIGN.md §2): upsert a row
only when the incoming version is newer, so redelivered or reordered events
never move a replica backwards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession


async def upsert_newer(session: AsyncSession, table: Table, key: dict[str, Any],
                       values: dict[str, Any], version_column: str = "version") -> bool:
    """Insert or update the row identified by ``key``; True when it changed."""
    stmt = insert(table).values(**key, **values)
    upsert = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={name: stmt.excluded[name] for name in values},
        where=table.c[version_column] < stmt.excluded[version_column],
    ).returning(table.c[version_column])
    return (await session.execute(upsert)).first() is not None
