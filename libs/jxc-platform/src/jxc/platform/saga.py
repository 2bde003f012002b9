"""Persisted saga orchestration (after Eventuate Tram).

A saga is a list of steps; each step sends a command to a participant and
waits for a reply that means success or failure. State lives in the
``saga_instance`` table of the orchestrator's database and every transition
happens in the transaction that consumed the reply, so an orchestrator can be
restarted at any point. A scheduler fails sagas whose step is past its
deadline. On failure the completed steps are compensated in reverse order
(and, after a timeout, the step that did not answer too, since it may still
act); compensations are commands that participants apply idempotently.

Participants answer with :func:`reply_to`, which keeps the correlation.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.base import Command, Message, Reply
from jxc.platform.bus.consumer import EventConsumer
from jxc.platform.db import Database
from jxc.platform.db.tables import saga_instance
from jxc.platform.envelope import Envelope
from jxc.platform.observability.metrics import SAGAS
from jxc.platform.outbox import emit

log = logging.getLogger("jxc.saga")

SagaData = dict[str, Any]
RUNNING, COMPLETED, FAILED = "running", "completed", "failed"


@dataclass(frozen=True)
class Step:
    name: str
    invoke: Callable[[SagaData], Command]
    success: tuple[type[Reply], ...]
    failure: tuple[type[Reply], ...] = ()
    compensate: Callable[[SagaData], Command] | None = None
    on_success: Callable[[SagaData, Any], None] | None = None
    failure_reason: Callable[[Any], dict[str, Any]] | None = None
    timeout: timedelta = timedelta(seconds=30)


@dataclass
class SagaDefinition:
    name: str
    steps: list[Step]
    on_completed: Callable[[AsyncSession, uuid.UUID, SagaData], Awaitable[None]] | None = None
    on_failed: Callable[[AsyncSession, uuid.UUID, SagaData, dict[str, Any]],
                        Awaitable[None]] | None = None
    reply_types: tuple[type[Reply], ...] = field(init=False)

    def __post_init__(self) -> None:
        self.reply_types = tuple({r for s in self.steps for r in (*s.success, *s.failure)})


async def reply_to(session: AsyncSession, request: Envelope, message: Reply) -> uuid.UUID:
    """Emit a participant's reply correlated with the command it answers."""
    return await emit(session, message, correlation_id=request.correlation_id,
                      causation_id=request.id, branch=request.branch)


class SagaEngine:
    def __init__(self, service: str, db: Database, definitions: list[SagaDefinition]):
        self.service = service
        self.db = db
        self.definitions = {d.name: d for d in definitions}

    # -- starting -------------------------------------------------------------
    async def start(self, session: AsyncSession, saga_type: str, saga_id: uuid.UUID,
                    data: SagaData) -> None:
        """Begin a saga in the caller's transaction; its first command is emitted
        by the outbox when that transaction commits."""
        definition = self.definitions[saga_type]
        await session.execute(saga_instance.insert().values(
            id=saga_id, saga_type=saga_type, status=RUNNING, step=0, data=data, history=[]))
        SAGAS.labels(self.service, saga_type, "started").inc()
        await self._invoke(session, definition, saga_id, 0, data, history=[])

    # -- replies --------------------------------------------------------------
    def consumer(self, topic_names: list[str]) -> EventConsumer:
        consumer = EventConsumer(f"{self.service}.sagas", topic_names)
        reply_types = {r for d in self.definitions.values() for r in d.reply_types}
        consumer.on(*reply_types)(self.on_reply)
        return consumer

    async def on_reply(self, message: Message, envelope: Envelope, session: AsyncSession) -> None:
        if not envelope.correlation_id:
            return
        row = (await session.execute(
            select(saga_instance).where(saga_instance.c.id == uuid.UUID(envelope.correlation_id))
            .with_for_update())).first()
        if row is None or row.status != RUNNING or str(row.awaiting) != envelope.causation_id:
            log.info("stale reply %s for saga %s ignored", envelope.type, envelope.correlation_id)
            return
        definition = self.definitions[row.saga_type]
        step = definition.steps[row.step]
        data: SagaData = dict(row.data)
        history = [*row.history, {"step": step.name, "reply": envelope.type, "at": _now()}]
        if isinstance(message, step.success):
            if step.on_success is not None:
                step.on_success(data, message)
            await self._advance(session, definition, row.id, row.step + 1, data, history)
        elif isinstance(message, step.failure):
            reason = step.failure_reason(message) if step.failure_reason else {
                "code": type(message).__name__}
            await self._fail(session, definition, row.id, row.step, data, history, reason,
                             compensate_current=False)

    # -- deadlines ------------------------------------------------------------
    async def tick(self) -> int:
        """Fail every saga whose current step is past its deadline."""
        async with self.db.transaction() as session:
            rows = (await session.execute(
                select(saga_instance).where(saga_instance.c.status == RUNNING,
                                            saga_instance.c.deadline_at < datetime.now(UTC))
                .order_by(saga_instance.c.deadline_at).limit(100)
                .with_for_update(skip_locked=True))).all()
            for row in rows:
                definition = self.definitions[row.saga_type]
                step = definition.steps[row.step]
                history = [*row.history, {"step": step.name, "timeout": True, "at": _now()}]
                await self._fail(session, definition, row.id, row.step, dict(row.data), history,
                                 {"code": "timeout", "step": step.name}, compensate_current=True)
            return len(rows)

    async def run_scheduler(self, every: float = 1.0) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("saga scheduler of %s: %s", self.service, exc)
            await asyncio.sleep(every)

    # -- queries --------------------------------------------------------------
    async def get(self, session: AsyncSession, saga_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await session.execute(
            select(saga_instance).where(saga_instance.c.id == saga_id))).first()
        if row is None:
            return None
        definition = self.definitions[row.saga_type]
        current = definition.steps[row.step].name if row.step < len(definition.steps) else None
        return {"id": str(row.id), "type": row.saga_type, "status": row.status,
                "step": current, "deadline_at": row.deadline_at, "failure_reason":
                row.failure_reason, "history": row.history, "data": row.data}

    # -- transitions ----------------------------------------------------------
    async def _advance(self, session: AsyncSession, definition: SagaDefinition,
                       saga_id: uuid.UUID, index: int, data: SagaData,
                       history: list[Any]) -> None:
        if index < len(definition.steps):
            await self._invoke(session, definition, saga_id, index, data, history)
            return
        await session.execute(update(saga_instance).where(saga_instance.c.id == saga_id).values(
            status=COMPLETED, step=index, data=data, awaiting=None, deadline_at=None,
            history=history, updated_at=datetime.now(UTC)))
        SAGAS.labels(self.service, definition.name, COMPLETED).inc()
        if definition.on_completed is not None:
            await definition.on_completed(session, saga_id, data)

    async def _invoke(self, session: AsyncSession, definition: SagaDefinition,
                      saga_id: uuid.UUID, index: int, data: SagaData,
                      history: list[Any]) -> None:
        step = definition.steps[index]
        command_id = await emit(session, step.invoke(data), correlation_id=str(saga_id))
        await session.execute(update(saga_instance).where(saga_instance.c.id == saga_id).values(
            step=index, data=data, awaiting=command_id,
            deadline_at=datetime.now(UTC) + step.timeout,
            history=[*history, {"step": step.name, "sent": str(command_id), "at": _now()}],
            updated_at=datetime.now(UTC)))

    async def _fail(self, session: AsyncSession, definition: SagaDefinition,
                    saga_id: uuid.UUID, index: int, data: SagaData, history: list[Any],
                    reason: dict[str, Any], *, compensate_current: bool) -> None:
        last = index if compensate_current else index - 1
        for step in reversed(definition.steps[: last + 1]):
            if step.compensate is not None:
                command_id = await emit(session, step.compensate(data),
                                        correlation_id=str(saga_id))
                history.append({"step": step.name, "compensation": str(command_id),
                                "at": _now()})
        await session.execute(update(saga_instance).where(saga_instance.c.id == saga_id).values(
            status=FAILED, data=data, awaiting=None, deadline_at=None, history=history,
            failure_reason=reason.get("code", "failed"), updated_at=datetime.now(UTC)))
        SAGAS.labels(self.service, definition.name, FAILED).inc()
        if definition.on_failed is not None:
            await definition.on_failed(session, saga_id, data, reason)


def _now() -> str:
    return datetime.now(UTC).isoformat()
