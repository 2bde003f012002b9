"""Versioned master records (products, customers, suppliers…): optimistic
concurrency on a ``version`` column and the change announced through the
outbox in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.base import Message
from jxc.platform.api import check_if_match, keyset_page
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, NotFound
from jxc.platform.outbox import emit

Row = TypeVar("Row", bound=SQLModel)


async def load_for_update(session: AsyncSession, model: type[Row], record_id: uuid.UUID,
                          if_match: str | None, what: str) -> Row:
    """The record, locked for this transaction; 404 if absent, 412 if stale."""
    row = (await session.execute(select(model).where(model.id == record_id)  # type: ignore[attr-defined]
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no {what} {record_id}")
    check_if_match(if_match, row.version)
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


class RecordStore(Generic[Row]):
    """Create, change, read and page one kind of versioned master record whose
    rules are plain field validation (customers, suppliers…)."""

    def __init__(self, model: type[Row], announce: Callable[[Row], Message], *, what: str,
                 sort_key: Any):
        self.model = model
        self.announce = announce
        self.what = what
        self.sort_key = sort_key
        self.duplicate = f"a {what} with this {sort_key.key} already exists"

    async def create(self, session: AsyncSession, fields: dict[str, Any],
                     correlation_id: str | None = None) -> Row:
        row = self.model(id=new_id(), version=1, **fields)
        return await save_and_announce(session, row, self.announce, duplicate=self.duplicate,
                                       correlation_id=correlation_id)

    async def update(self, session: AsyncSession, record_id: uuid.UUID, changes: dict[str, Any],
                     if_match: str | None, correlation_id: str | None = None) -> Row:
        row = await load_for_update(session, self.model, record_id, if_match, self.what)
        for name, value in changes.items():
            setattr(row, name, value)
        row.version += 1  # type: ignore[attr-defined]
        return await save_and_announce(session, row, self.announce, duplicate=self.duplicate,
                                       correlation_id=correlation_id)

    async def get(self, session: AsyncSession, record_id: uuid.UUID) -> Row:
        row = await session.get(self.model, record_id)
        if row is None:
            raise NotFound(f"no {self.what} {record_id}")
        return row

    async def page(self, session: AsyncSession, limit: int,
                   cursor: str | None) -> tuple[list[Row], str | None]:
        return await keyset_page(session, select(self.model), self.sort_key, limit, cursor)
