"""FastAPI dependency aliases and list conventions shared by every service."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.errors import InvalidInput, PreconditionFailed

if TYPE_CHECKING:
    from jxc.platform.app import Runtime

T = TypeVar("T")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated["Runtime", Depends(get_runtime)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for the request; the handler commits what it wants kept."""
    async with get_runtime(request).db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise InvalidInput("cursor is not valid", errors=[
            {"field": "cursor", "in": "query", "message": "not a cursor from this API"}]) from exc
    if not isinstance(value, dict):
        raise InvalidInput("cursor is not valid")
    return value


LimitQuery = Annotated[int, Query(ge=1, le=500, description="page size")]
CursorQuery = Annotated[str | None, Query(description="next_cursor of the previous page")]


def etag(version: int) -> str:
    return f'W/"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """Optimistic concurrency: a stale ``If-Match`` gets 412 (DESIGN.md §8)."""
    if if_match is None:
        return
    wanted = {tag.strip() for tag in if_match.split(",")}
    if "*" in wanted or etag(version) in wanted or f'"{version}"' in wanted:
        return
    raise PreconditionFailed(f"the resource is at version {version}; reload and retry",
                             current_etag=etag(version))


IfMatchHeader = Annotated[str | None, Header(alias="If-Match")]


async def keyset_page(session: AsyncSession, query: Select[Any], key: Any, limit: int,
                      cursor: str | None) -> tuple[list[Any], str | None]:
    """One page of ``query`` ordered by the unique column ``key``; the cursor
    carries the last key seen, so pages stay stable while rows are added.
    ``query`` selects entities carrying ``key`` or the key values alone."""
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(key > after.get("after"))
    rows = list((await session.execute(query.order_by(key).limit(limit + 1))).scalars())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    last = getattr(last, key.key) if hasattr(last, key.key) else last
    return rows[:limit], encode_cursor({"after": last})


Code = Annotated[str, Field(min_length=1, max_length=32,
                            pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$",
                            description="a short code people type, unique per kind of record")]
Email = Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
