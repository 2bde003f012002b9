"""Versioned master records (products, customers, suppliers…): optimistic
concurrency on a ``version`` column and the change announced through the
outbox in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.base import Message
from jxc.platform.api import check_if_match
from jxc.platform.errors import Conflict, NotFound
from jxc.platform.outbox import emit

Row = TypeVar("Row")


async def load_for_update(session: AsyncSession, model: type[Row], record_id: uuid.UUID,
                          if_match: str | None, what: str) -> Row:
    """The record, locked for this transaction; 404 if absent, 412 if stale."""
    row = (await session.execute(select(model).where(model.id == record_id)  # type: ignore[attr-defined]
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no {what} {record_id}")
    check_if_match(if_match, row.version)  # type: ignore[attr-defined]
    return row  # type: ignore[no-any-return]


async def save_and_announce(session: AsyncSession, row: Row, announce: Callable[[Row], Message],
                            *, duplicate: str, correlation_id: str | None = None,
                            **emit_options: Any) -> Row:
    """Write ``row`` and its event in one transaction; a unique clash is 409."""
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(duplicate, code="duplicate") from exc
    await emit(session, announce(row), correlation_id=correlation_id, **emit_options)
    await session.commit()
    await session.refresh(row)
    return row
