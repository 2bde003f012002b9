"""Keyset pages whose cursor is checked before it reaches SQL: a forged or
mangled cursor is a 422, never a database error."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.api import decode_cursor, encode_cursor
from jxc.platform.errors import InvalidInput


def _bad_cursor() -> InvalidInput:
    return InvalidInput("cursor is not valid", errors=[
        {"field": "cursor", "in": "query", "message": "not a cursor from this API"}])


def text_key(value: Any) -> str:
    if not isinstance(value, str):
        raise _bad_cursor()
    return value


def uuid_key(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise _bad_cursor() from exc


def int_key(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad_cursor()
    return value


def cursor_value(cursor: str | None, parse: Callable[[Any], Any]) -> Any:
    after = decode_cursor(cursor)
    return None if after is None else parse(after.get("after"))


async def keyset(session: AsyncSession, query: Select[Any], key: Any, limit: int,
                 cursor: str | None, parse: Callable[[Any], Any] = text_key
                 ) -> tuple[list[Any], str | None]:
    """One page of ``query`` ordered by the unique column ``key``."""
    after = cursor_value(cursor, parse)
    if after is not None:
        query = query.where(key > after)
    rows = list((await session.execute(query.order_by(key).limit(limit + 1))).scalars())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor({"after": getattr(rows[limit - 1], key.key)})
