"""The audit trail: search, CSV export and chain verification."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from jxc.identity.entrypoints.deps import Auditor
from jxc.identity.entrypoints.inputs import Clean
from jxc.identity.service_layer import audit
from jxc.identity.service_layer.audit import AuditFilter
from jxc.platform.api import CursorQuery, LimitQuery, Page, RuntimeDep, SessionDep

router = APIRouter(prefix="/api/v1/identity", tags=["identity: audit"])

Actor = Annotated[str | None, Query(max_length=200, description="actor id or name"), Clean]
Action = Annotated[str | None, Query(max_length=200, description="action prefix, e.g. login."),
                  Clean]
Resource = Annotated[str | None, Query(max_length=500, description="resource prefix"), Clean]
Since = Annotated[datetime | None, Query(alias="from", description="occurred at or after")]
Until = Annotated[datetime | None, Query(alias="to", description="occurred before")]


class AuditOut(BaseModel):
    model_config = {"from_attributes": True}
    seq: int
    record_id: uuid.UUID
    source_service: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_name: str
    actor_kind: str
    action: str
    resource: str
    outcome: str
    status_code: int | None
    ip: str
    user_agent: str
    request_id: str
    trace_id: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class Verification(BaseModel):
    checked: int
    valid: bool
    first_broken_seq: int | None


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _filters(actor: str | None, action: str | None, resource: str | None,
             since: datetime | None, until: datetime | None) -> AuditFilter:
    return AuditFilter(actor=actor, action=action, resource=resource, since=_utc(since),
                       until=_utc(until))


@router.get("/audit", summary="Audit records, newest first (order=asc: oldest first)")
async def list_audit(caller: Auditor, session: SessionDep, limit: LimitQuery = 50,
                     cursor: CursorQuery = None, actor: Actor = None, action: Action = None,
                     resource: Resource = None, since: Since = None, until: Until = None,
                     order: Literal["asc", "desc"] = "desc") -> Page[AuditOut]:
    rows, next_cursor = await audit.search(session, _filters(actor, action, resource, since,
                                                             until), limit, cursor,
                                           newest_first=order == "desc")
    return Page[AuditOut](items=[AuditOut.model_validate(r) for r in rows],
                          next_cursor=next_cursor)


COLUMNS = ("seq", "occurred_at", "recorded_at", "source_service", "actor_id", "actor_name",
           "actor_kind", "action", "resource", "outcome", "status_code", "ip", "user_agent",
           "request_id", "trace_id", "detail", "record_id", "prev_hash", "hash")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    # a spreadsheet would run a cell starting like a formula (CSV injection)
    return f"'{text}" if text.startswith(_FORMULA) else text


def _line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


@router.get("/audit/export.csv", summary="The matching audit records as CSV, oldest first",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}}})
async def export_audit(caller: Auditor, runtime: RuntimeDep, actor: Actor = None,
                       action: Action = None, resource: Resource = None, since: Since = None,
                       until: Until = None) -> StreamingResponse:
    filters = _filters(actor, action, resource, since, until)

    async def lines() -> AsyncIterator[str]:
        yield _line(list(COLUMNS))
        batch: list[str] = []
        async for row in audit.stream(runtime.db, filters):
            batch.append(_line([_cell(getattr(row, c)) for c in COLUMNS]))
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="audit.csv"'})


@router.get("/audit/verify", summary="Recompute the hash chain: where was it changed?")
async def verify_audit(caller: Auditor, session: SessionDep) -> Verification:
    check = await audit.verify(session)
    return Verification(checked=check.checked, valid=check.valid,
                        first_broken_seq=check.first_broken_seq)
