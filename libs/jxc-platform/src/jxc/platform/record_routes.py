"""The HTTP face of a :class:`~jxc.platform.records.RecordStore`: POST, GET
(paged), GET one and PATCH with ETag / If-Match, each behind a permission."""

# No ``from __future__ import annotations``: FastAPI must see the real body
# and response types of the routes built below.

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel

from jxc.platform.api import CursorQuery, IfMatchHeader, LimitQuery, Page, SessionDep, etag
from jxc.platform.auth import Principal, require
from jxc.platform.records import RecordStore

RequestId = Annotated[str | None, Header(alias="X-Request-ID", include_in_schema=False)]


def add_record_routes(router: APIRouter, path: str, store: RecordStore[Any], *,
                      create_body: type[BaseModel], patch_body: type[BaseModel],
                      out: type[BaseModel], read: str, write: str,
                      listing: bool = True) -> None:
    """``listing`` False leaves out the plain paged GET, for a service that
    serves its own list with filters (``RecordStore.page(where=...)``)."""
    def render(row: Any, response: Response) -> Any:
        response.headers["ETag"] = etag(row.version)
        return out.model_validate(row, from_attributes=True)

    Reader = Annotated[Principal, require(read)]
    Writer = Annotated[Principal, require(write)]

    async def create(body: create_body, session: SessionDep, response: Response,  # type: ignore[valid-type]
                     principal: Writer, request_id: RequestId = None) -> Any:
        row = await store.create(session, body.model_dump(), request_id,  # type: ignore[attr-defined]
                                 principal=principal)
        response.headers["Location"] = f"{router.prefix}{path}/{row.id}"
        return render(row, response)

    async def list_all(session: SessionDep, principal: Reader, limit: LimitQuery = 50,
                       cursor: CursorQuery = None) -> Any:
        rows, next_cursor = await store.page(session, limit, cursor, principal)
        return {"items": [out.model_validate(r, from_attributes=True) for r in rows],
                "next_cursor": next_cursor}

    async def one(record_id: uuid.UUID, session: SessionDep, response: Response,
                  principal: Reader) -> Any:
        return render(await store.get(session, record_id, principal), response)

    async def change(record_id: uuid.UUID, body: patch_body, session: SessionDep,  # type: ignore[valid-type]
                     response: Response, principal: Writer, if_match: IfMatchHeader = None,
                     request_id: RequestId = None) -> Any:
        row = await store.update(session, record_id,
                                 body.model_dump(exclude_unset=True),  # type: ignore[attr-defined]
                                 if_match, request_id, principal=principal)
        return render(row, response)

    what = store.what
    routes: list[tuple[str, str, Callable[..., Any], Any, int]] = [
        ("POST", path, create, out, status.HTTP_201_CREATED),
        ("GET", path, list_all, Page[out], status.HTTP_200_OK),  # type: ignore[valid-type]
        ("GET", f"{path}/{{record_id}}", one, out, status.HTTP_200_OK),
        ("PATCH", f"{path}/{{record_id}}", change, out, status.HTTP_200_OK),
    ]
    if not listing:
        routes.pop(1)
    names = {create: f"create_{what}", list_all: f"list_{what}s", one: f"get_{what}",
             change: f"update_{what}"}
    for method, route_path, endpoint, model, code in routes:
        router.add_api_route(route_path, endpoint, methods=[method], response_model=model,
                             status_code=code, name=names[endpoint])
