"""Transactional outbox.

:func:`emit` writes an event row in the caller's transaction and notifies the
relay on commit. :class:`OutboxRelay` publishes unsent rows in id order —
which, for one aggregate, is commit order, because writers of one aggregate
serialise on its row lock before they insert — then marks them sent. Only the
holder of a PostgreSQL advisory lock relays, so any number of replicas may
run. A crash between publish and mark re-publishes the rows; consumers' inboxes
make that harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from sqlalchemy import func, select, text, update
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.base import Message
from jxc.platform.db import Database
from jxc.platform.db.tables import outbox
from jxc.platform.envelope import build_headers, encode_headers, new_id
from jxc.platform.observability.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISHED

NOTIFY_CHANNEL = "jxc_outbox"
log = logging.getLogger("jxc.outbox")
tracer = trace.get_tracer("jxc.outbox")


async def emit(
    session: AsyncSession,
    message: Message,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    branch: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> uuid.UUID:
    """Stage ``message`` for publication when the caller's transaction commits."""
    event_id = new_id()
    all_headers = build_headers(message, event_id=event_id, correlation_id=correlation_id,
                                causation_id=causation_id, branch=branch, extra=headers)
    await session.execute(outbox.insert().values(
        event_id=event_id,
        topic=message.topic,
        key=message.partition_key(),
        type=message.type_name,
        payload=message.model_dump(mode="json"),
        headers=all_headers,
    ))
    await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return event_id


async def emit_many(session: AsyncSession, messages: Sequence[Message], *,
                    correlation_id: str | None = None, causation_id: str | None = None,
                    branch: str | None = None,
                    headers: Sequence[Mapping[str, str] | None] | None = None,
                    ) -> list[uuid.UUID]:
    """:func:`emit` for a batch: one INSERT for all of them, in order.
    ``headers``, when given, holds each message's extra headers (e.g. the
    trace context of the request it came from), in the same order."""
    if not messages:
        return []
    if headers is not None and len(headers) != len(messages):
        raise ValueError("give one headers mapping (or None) per message")
    rows: list[dict[str, Any]] = []
    event_ids: list[uuid.UUID] = []
    for n, message in enumerate(messages):
        event_id = new_id()
        event_ids.append(event_id)
        rows.append({
            "event_id": event_id, "topic": message.topic, "key": message.partition_key(),
            "type": message.type_name, "payload": message.model_dump(mode="json"),
            "headers": build_headers(message, event_id=event_id, correlation_id=correlation_id,
                                     causation_id=causation_id, branch=branch,
                                     extra=headers[n] if headers is not None else None),
        })
    await session.execute(outbox.insert(), rows)
    await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return event_ids


async def backlog(session: AsyncSession) -> int:
    result = await session.execute(
        select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None)))
    return int(result.scalar_one())


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        service: str,
        bootstrap: str,
        *,
        idempotent_producer: bool = False,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        retention_days: int = 7,
    ):
        self.db = db
        self.service = service
        self.bootstrap = bootstrap
        self.idempotent_producer = idempotent_producer
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.retention_days = retention_days
        self.lock_key = zlib.crc32(f"jxc.outbox.{service}".encode())
        self.is_leader = False
        self.producer_ready = False
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None

    async def run(self) -> None:
        """Relay forever; survives database and broker outages."""
        backoff = 0.5
        while True:
            try:
                await self._lead()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay for %s interrupted: %s", self.service, exc)
                self.is_leader = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def close(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()
            self._producer = None
            self.producer_ready = False

    async def _lead(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(self.db.asyncpg_dsn(), timeout=5)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.lock_key):
                self.is_leader = False
                await asyncio.sleep(self.poll_seconds * 2)
            self.is_leader = True
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            producer = await self._ensure_producer()
            rounds = 0
            while not conn.is_closed():
                self._wake.clear()
                sent = await self._drain(producer)
                rounds += 1
                if rounds % 600 == 0:
                    await self._purge()
                if sent < self.batch_size:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            raise ConnectionError("lost the outbox leader connection")
        finally:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=f"{self.service}-outbox",
                enable_idempotence=self.idempotent_producer,
                acks="all",
                linger_ms=2,
            )
            try:
                await producer.start()
            except Exception:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
            self.producer_ready = True
        return self._producer

    async def _drain(self, producer: AIOKafkaProducer) -> int:
        async with self.db.session() as session:
            rows = (await session.execute(
                select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.type,
                       outbox.c.payload, outbox.c.headers)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self.batch_size)
            )).all()
            if not rows:
                OUTBOX_BACKLOG.labels(self.service).set(0)
                return 0
            futures = [await self._send(producer, row) for row in rows]
            try:
                await asyncio.gather(*futures)
            except Exception:
                self.producer_ready = False
                raise
            self.producer_ready = True
            await self._mark_sent(session, [r.id for r in rows])
            OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
            OUTBOX_BACKLOG.labels(self.service).set(await backlog(session))
            return len(rows)

    async def _mark_sent(self, session: AsyncSession, ids: list[int]) -> None:
        await session.execute(update(outbox).where(outbox.c.id.in_(ids)).values(sent_at=func.now()))
        await session.commit()

    async def _send(self, producer: AIOKafkaProducer, row: Any) -> asyncio.Future[Any]:
        headers: dict[str, str] = dict(row.headers)
        token = otel_context.attach(propagate.extract(headers))
        try:
            with tracer.start_as_current_span(
                f"{row.topic} publish", kind=trace.SpanKind.PRODUCER,
                attributes={"messaging.system": "kafka", "messaging.destination.name": row.topic,
                            "messaging.message.id": headers.get("ce_id", ""),
                            "jxc.event.type": row.type},
            ):
                headers.pop("traceparent", None)
                headers.pop("tracestate", None)
                propagate.inject(headers)
                sent: asyncio.Future[Any] = await producer.send(
                    row.topic, value=json.dumps(row.payload).encode(), key=row.key.encode(),
                    headers=encode_headers(headers))
                return sent
        finally:
            otel_context.detach(token)

    async def _purge(self) -> None:
        async with self.db.transaction() as session:
            await session.execute(text(
                "DELETE FROM outbox WHERE sent_at < now() - make_interval(days => :d)"
            ), {"d": self.retention_days})

    def wake(self) -> None:
        self._wake.set()

