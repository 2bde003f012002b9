"""The audit trail: identity's own security events go out through the outbox
like every other service's audit records, and the ``identity.audit``
consumer appends all of them to one hash chain. Reading, exporting and
verifying the chain."""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.audit import AuditRecorded
from jxc.identity.adapters.tables import AuditRow
from jxc.identity.domain.audit_chain import GENESIS, ChainCheck, chain_hash, plain
from jxc.identity.service_layer.context import Caller
from jxc.identity.service_layer.paging import cursor_value, int_key
from jxc.platform.api import encode_cursor
from jxc.platform.db import Database
from jxc.platform.envelope import new_id
from jxc.platform.outbox import emit

CHAIN_LOCK = zlib.crc32(b"jxc.identity.audit_chain")
"""Advisory lock serialising appends, so concurrent writers never fork the chain."""
_HEAD = "jxc.audit.head"
VERIFY_CHUNK = 2000


# -- emitting identity's own security events ------------------------------------

async def record(session: AsyncSession, caller: Caller, action: str, *, resource: str = "",
                 outcome: str = "success", status_code: int | None = None,
                 detail: Mapping[str, Any] | None = None) -> None:
    """Stage a security event in the caller's transaction (outbox)."""
    event = AuditRecorded(
        record_id=new_id(), source_service="identity", occurred_at=datetime.now(UTC),
        actor_id=caller.actor_id, actor_name=caller.actor_name, actor_kind=caller.actor_kind,
        action=action, resource=resource, outcome=outcome, status_code=status_code,
        ip=caller.ip, user_agent=caller.user_agent, request_id=caller.request_id,
        trace_id=caller.trace_id, detail=dict(detail or {}))
    await emit(session, event, correlation_id=caller.request_id or None)


# -- appending to the chain -----------------------------------------------------

def _text(value: str) -> str:
    return value.replace("\x00", "")  # PostgreSQL text cannot hold NUL


def _row(event: AuditRecorded) -> dict[str, Any]:
    occurred = event.occurred_at
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    status = event.status_code if event.status_code is not None and \
        0 <= event.status_code < 1000 else None
    return {
        "record_id": event.record_id, "source_service": _text(event.source_service),
        "occurred_at": occurred.astimezone(UTC), "actor_id": _text(event.actor_id),
        "actor_name": _text(event.actor_name), "actor_kind": _text(event.actor_kind),
        "action": _text(event.action), "resource": _text(event.resource),
        "outcome": _text(event.outcome), "status_code": status, "ip": _text(event.ip),
        "user_agent": _text(event.user_agent), "request_id": _text(event.request_id),
        "trace_id": _text(event.trace_id),
        # exactly what json will give back when the row is read
        "detail": json.loads(json.dumps(plain(event.detail), allow_nan=False)),
    }


async def _head(session: AsyncSession) -> str:
    """The chain's last hash, holding the chain lock for this transaction."""
    transaction = session.get_transaction()
    cached = session.info.get(_HEAD)
    if cached is not None and cached[0] is transaction:
        return str(cached[1])
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    last = await session.scalar(select(AuditRow.hash).order_by(
        AuditRow.seq.desc()).limit(1))  # type: ignore[union-attr]
    return last or GENESIS


async def append(session: AsyncSession, event: AuditRecorded) -> int | None:
    """Add ``event`` to the chain; its seq, or None when its record id is
    already there (a copy under another message id)."""
    prev = await _head(session)
    row = _row(event)
    row["seq"] = int(await session.scalar(text(
        "SELECT nextval(pg_get_serial_sequence('audit_record', 'seq'))")))
    digest = chain_hash(prev, row)
    inserted = (await session.execute(
        insert(AuditRow.__table__).values(**row, prev_hash=prev, hash=digest)  # type: ignore[attr-defined]
        .on_conflict_do_nothing(index_elements=["record_id"]).returning(AuditRow.seq)
    )).first()
    session.info[_HEAD] = (session.get_transaction(), digest if inserted else prev)
    return row["seq"] if inserted else None


# -- reading ------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    resource: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.actor:
            query = query.where((AuditRow.actor_id == self.actor)  # type: ignore[arg-type]
                                | (AuditRow.actor_name == self.actor))
        if self.action:
            query = query.where(AuditRow.action.startswith(  # type: ignore[attr-defined]
                self.action, autoescape=True))
        if self.resource:
            query = query.where(AuditRow.resource.startswith(  # type: ignore[attr-defined]
                self.resource, autoescape=True))
        if self.since is not None:
            query = query.where(AuditRow.occurred_at >= self.since)  # type: ignore[operator]
        if self.until is not None:
            query = query.where(AuditRow.occurred_at < self.until)  # type: ignore[operator]
        return query


async def search(session: AsyncSession, filters: AuditFilter, limit: int, cursor: str | None,
                 newest_first: bool = True) -> tuple[list[AuditRow], str | None]:
    query = filters.apply(select(AuditRow))
    after = cursor_value(cursor, int_key)
    seq = AuditRow.seq
    if after is not None:
        query = query.where(seq < after if newest_first else seq > after)  # type: ignore[operator]
    query = query.order_by(seq.desc() if newest_first else seq)  # type: ignore[union-attr]
    rows = list((await session.execute(query.limit(limit + 1))).scalars())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor({"after": rows[limit - 1].seq})


async def stream(db: Database, filters: AuditFilter,
                 chunk: int = 1000) -> AsyncIterator[AuditRow]:
    """Every matching record, oldest first, read in chunks (for exports)."""
    after = 0
    while True:
        async with db.session() as session:
            query = filters.apply(select(AuditRow)).where(
                AuditRow.seq > after).order_by(AuditRow.seq).limit(chunk)  # type: ignore[operator, arg-type]
            rows = list((await session.execute(query)).scalars())
        for row in rows:
            yield row
        if len(rows) < chunk:
            return
        after = int(rows[-1].seq or 0)


async def verify(session: AsyncSession) -> ChainCheck:
    """Recompute the chain from the first record; the first seq whose link
    or hash does not match is where someone changed the trail."""
    check = ChainCheck()
    after = -1
    columns = AuditRow.__table__.c  # type: ignore[attr-defined]
    while check.valid:
        rows = (await session.execute(select(columns).where(columns.seq > after)
                                      .order_by(columns.seq).limit(VERIFY_CHUNK))).mappings().all()
        if not rows:
            break
        check.feed(rows)
        after = int(rows[-1]["seq"])
        if len(rows) < VERIFY_CHUNK:
            break
    return check
