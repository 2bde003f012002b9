"""supplier's HTTP API for the interactions log (emails go out by SMTP)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jxc.platform.api import CursorQuery, Email, LimitQuery, Page, RuntimeDep, SessionDep
from jxc.platform.auth import Principal, require
from jxc.supplier.service_layer import interactions

router = APIRouter(prefix="/api/v1/supplier", tags=["supplier interactions"])
Reader = Annotated[Principal, require("supplier:read")]
Writer = Annotated[Principal, require("supplier:write")]
Kind = Literal["note", "call", "email", "visit"]


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20000)
    occurred_at: AwareDatetime | None = Field(default=None, description="default: now")
    to: list[Email] | None = Field(default=None, min_length=1, max_length=20,
                                   description="email only; default: the supplier's email")


class InteractionOut(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    kind: Kind
    subject: str
    body: str
    recipients: list[str]
    occurred_at: datetime
    status: Literal["recorded", "sending", "sent", "failed"]
    message_id: str | None
    error: str | None
    attempts: int
    created_by: str
    created_at: datetime


@router.post("/suppliers/{supplier_id}/interactions", status_code=status.HTTP_201_CREATED,
             summary="Log a note, call or visit, or send an email (503 mail_unavailable: "
                     "kept as failed, resend later)")
async def create_interaction(supplier_id: uuid.UUID, body: InteractionIn, runtime: RuntimeDep,
                             response: Response, principal: Writer) -> InteractionOut:
    row = await interactions.record(
        runtime.db, runtime.settings, supplier_id, kind=body.kind, subject=body.subject,
        body=body.body, occurred_at=body.occurred_at,
        to=tuple(body.to) if body.to else None, author=principal.username)
    response.headers["Location"] = \
        f"{router.prefix}/suppliers/{supplier_id}/interactions/{row.id}"
    return InteractionOut.model_validate(row, from_attributes=True)


@router.post("/suppliers/{supplier_id}/interactions/{interaction_id}/resend",
             summary="Send a failed email again")
async def resend_interaction(supplier_id: uuid.UUID, interaction_id: uuid.UUID,
                             runtime: RuntimeDep, principal: Writer) -> InteractionOut:
    row = await interactions.resend(runtime.db, runtime.settings, supplier_id, interaction_id)
    return InteractionOut.model_validate(row, from_attributes=True)


@router.get("/suppliers/{supplier_id}/interactions",
            summary="A supplier's interactions, oldest first")
async def list_interactions(supplier_id: uuid.UUID, session: SessionDep, principal: Reader,
                            limit: LimitQuery = 50, cursor: CursorQuery = None,
                            kind: Kind | None = None) -> Page[InteractionOut]:
    rows, next_cursor = await interactions.page(session, supplier_id, limit, cursor, kind)
    return Page[InteractionOut](
        items=[InteractionOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor)


@router.get("/suppliers/{supplier_id}/interactions/{interaction_id}", summary="One interaction")
async def get_interaction(supplier_id: uuid.UUID, interaction_id: uuid.UUID,
                          session: SessionDep, principal: Reader) -> InteractionOut:
    row = await interactions.get(session, supplier_id, interaction_id)
    return InteractionOut.model_validate(row, from_attributes=True)
