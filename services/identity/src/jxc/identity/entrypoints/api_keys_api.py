"""API keys for partner systems; exchanged for access tokens at
``POST /api/v1/identity/token`` with ``grant_type=api_key``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from jxc.identity.adapters.tables import ApiKeyRow
from jxc.identity.domain.roles import MAX_PERMISSIONS
from jxc.identity.entrypoints.deps import Manager, Reader
from jxc.identity.entrypoints.inputs import Input
from jxc.identity.service_layer import api_keys
from jxc.platform.api import CursorQuery, LimitQuery, Page, SessionDep

router = APIRouter(prefix="/api/v1/identity", tags=["identity: API keys"])

Permission = Annotated[str, Field(min_length=1, max_length=100)]


class ApiKeyIn(Input):
    name: str = Field(min_length=1, max_length=200)
    permissions: list[Permission] = Field(min_length=1, max_length=MAX_PERMISSIONS,
                                          description="at most the creator's own")
    branches: list[uuid.UUID] | None = Field(default=None, max_length=1000)
    warehouses: list[uuid.UUID] | None = Field(default=None, max_length=1000)
    expires_at: AwareDatetime | None = None
    rate_tier: Literal["standard", "premium"] = "standard"


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    permissions: list[str]
    branches: list[uuid.UUID] | None
    warehouses: list[uuid.UUID] | None
    rate_tier: str
    expires_at: datetime | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiKeyRow) -> ApiKeyOut:
        return cls.model_validate(row, from_attributes=True)


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the key itself: shown this once, never again")


@router.post("/api-keys", status_code=status.HTTP_201_CREATED,
             summary="Create an API key; the response holds the key, once")
async def create_api_key(body: ApiKeyIn, caller: Manager, session: SessionDep,
                         response: Response) -> ApiKeyCreated:
    row, secret = await api_keys.create(session, caller, body.model_dump())
    response.headers["Cache-Control"] = "no-store"  # never kept, not even for Idempotency-Key
    response.headers["Location"] = f"/api/v1/identity/api-keys/{row.id}"
    return ApiKeyCreated(**ApiKeyOut.of(row).model_dump(), key=secret)


@router.get("/api-keys", summary="API keys (never the keys themselves)")
async def list_api_keys(caller: Reader, session: SessionDep, limit: LimitQuery = 50,
                        cursor: CursorQuery = None,
                        include_revoked: bool = True) -> Page[ApiKeyOut]:
    rows, next_cursor = await api_keys.page(session, limit, cursor, include_revoked)
    return Page[ApiKeyOut](items=[ApiKeyOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/api-keys/{key_id}", summary="One API key")
async def get_api_key(key_id: uuid.UUID, caller: Reader, session: SessionDep) -> ApiKeyOut:
    return ApiKeyOut.of(await api_keys.get(session, key_id))


@router.post("/api-keys/{key_id}/revoke", summary="Revoke an API key")
async def revoke_api_key(key_id: uuid.UUID, caller: Manager, session: SessionDep) -> ApiKeyOut:
    return ApiKeyOut.of(await api_keys.revoke(session, caller, key_id))
