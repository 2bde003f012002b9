"""Versioned master records (products, customers, suppliers…): optimistic
concurrency on a ``version`` column and the change announced through the
outbox in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.base import Message
from jxc.platform.api import check_if_match, keyset_page
from jxc.platform.auth import Principal
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, Forbidden, NotFound
from jxc.platform.outbox import emit

Row = TypeVar("Row", bound=SQLModel)


async def load_for_update(session: AsyncSession, model: type[Row], record_id: uuid.UUID,
                          if_match: str | None, what: str,
                          visible: ColumnElement[bool] | None = None) -> Row:
    """The record, locked for this transaction; 404 if absent (or outside
    ``visible``), 412 if stale."""
    query = select(model).where(model.id == record_id)  # type: ignore[attr-defined]
    if visible is not None:
        query = query.where(visible)
    row = (await session.execute(query.with_for_update())).scalar_one_or_none()
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


class DataScope(Protocol):
    """Which records of a kind a principal may see, and whether it may hold
    one with the given fields (a new record, or an existing one changed)."""

    def visible(self, principal: Principal) -> ColumnElement[bool]: ...

    def may_hold(self, principal: Principal, fields: dict[str, Any]) -> bool: ...


class RecordStore(Generic[Row]):
    """Create, change, read and page one kind of versioned master record whose
    rules are plain field validation (customers, suppliers…). With a
    :class:`DataScope`, records outside the caller's scope do not exist for
    it (404) and it cannot create or move one out of its scope (403)."""

    def __init__(self, model: type[Row], announce: Callable[[Row], Message], *, what: str,
                 sort_key: Any, scope: DataScope | None = None):
        self.model = model
        self.announce = announce
        self.what = what
        self.sort_key = sort_key
        self.scope = scope
        self.duplicate = f"a {what} with this {sort_key.key} already exists"

    def _visible(self, principal: Principal | None) -> ColumnElement[bool] | None:
        if self.scope is None or principal is None:
            return None
        return self.scope.visible(principal)

    def _check_hold(self, principal: Principal | None, fields: dict[str, Any]) -> None:
        if self.scope is not None and principal is not None and \
                not self.scope.may_hold(principal, fields):
            raise Forbidden(f"this {self.what} would be outside your data scope")

    async def create(self, session: AsyncSession, fields: dict[str, Any],
                     correlation_id: str | None = None,
                     principal: Principal | None = None) -> Row:
        record_id = new_id()
        self._check_hold(principal, {"id": record_id, **fields})
        row = self.model(id=record_id, version=1, **fields)
        return await save_and_announce(session, row, self.announce, duplicate=self.duplicate,
                                       correlation_id=correlation_id)

    async def update(self, session: AsyncSession, record_id: uuid.UUID, changes: dict[str, Any],
                     if_match: str | None, correlation_id: str | None = None,
                     principal: Principal | None = None) -> Row:
        row = await load_for_update(session, self.model, record_id, if_match, self.what,
                                    self._visible(principal))
        for name, value in changes.items():
            setattr(row, name, value)
        self._check_hold(principal, row.model_dump())
        row.version += 1  # type: ignore[attr-defined]
        return await save_and_announce(session, row, self.announce, duplicate=self.duplicate,
                                       correlation_id=correlation_id)

    async def get(self, session: AsyncSession, record_id: uuid.UUID,
                  principal: Principal | None = None) -> Row:
        query = select(self.model).where(self.model.id == record_id)  # type: ignore[attr-defined]
        visible = self._visible(principal)
        if visible is not None:
            query = query.where(visible)
        row = (await session.execute(query)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no {self.what} {record_id}")
        return row  # type: ignore[no-any-return]

    async def page(self, session: AsyncSession, limit: int, cursor: str | None,
                   principal: Principal | None = None,
                   where: Sequence[ColumnElement[bool]] = ()) -> tuple[list[Row], str | None]:
        """One page of the records, narrowed by the ``where`` filters."""
        query = select(self.model).where(*where)
        visible = self._visible(principal)
        if visible is not None:
            query = query.where(visible)
        return await keyset_page(session, query, self.sort_key, limit, cursor)
