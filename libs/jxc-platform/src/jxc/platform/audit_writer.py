"""Writes the audit middleware's records (:mod:`jxc.platform.audit`) to the
outbox once their responses have gone out: in short transactions of their own,
a batch at a time (one INSERT), from one task per api process. Under load the trail then
takes one database connection rather than one more per request, and a slow or
lost database never holds up a response.

A record that cannot be written — the database is down, or has been down long
enough to fill the queue, or the service stops first — is lost: logged at
ERROR with the whole record, so the trail can be rebuilt from the logs, and
counted in ``jxc_audit_write_failures_total{service}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from opentelemetry import propagate

from jxc.contracts.audit import AuditRecorded
from jxc.platform.db import Database
from jxc.platform.observability.metrics import AUDIT_WRITE_FAILURES
from jxc.platform.outbox import emit_many

CAPACITY = 10_000
BATCH_SIZE = 200
LINGER_SECONDS = 0.05
CLOSE_TIMEOUT_SECONDS = 10.0
log = logging.getLogger("jxc.audit")

Queued = tuple[AuditRecorded, dict[str, str]]
"""A record and the trace context of the request it describes."""


def lose(service: str, records: list[AuditRecorded], reason: object) -> None:
    AUDIT_WRITE_FAILURES.labels(service).inc(len(records))
    for record in records:
        log.error("AUDIT RECORD LOST: %s %s by %r (%s, %s): %s", record.action,
                  record.resource, record.actor_id, record.outcome, record.status_code, reason,
                  extra={"audit": record.model_dump(mode="json")})


class AuditWriter:
    def __init__(self, db: Database, service: str, *, capacity: int = CAPACITY,
                 batch_size: int = BATCH_SIZE, linger: float = LINGER_SECONDS):
        self.db = db
        self.service = service
        self.batch_size = batch_size
        self.linger = linger
        self._queue: asyncio.Queue[Queued] = asyncio.Queue(capacity)
        self._writing: list[Queued] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"audit-writer-{self.service}")

    def submit(self, record: AuditRecorded) -> None:
        """Queue ``record``; never blocks and never raises."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # the relay's publish span joins the request's trace
        try:
            self._queue.put_nowait((record, carrier))
        except asyncio.QueueFull:
            lose(self.service, [record], "the audit queue is full")

    async def _run(self) -> None:
        while True:
            self._writing = [await self._queue.get()]
            await asyncio.sleep(self.linger)  # under load, many records to one transaction
            while len(self._writing) < self.batch_size and not self._queue.empty():
                self._writing.append(self._queue.get_nowait())
            await self._write(self._writing)
            for _ in self._writing:
                self._queue.task_done()
            self._writing = []

    async def _write(self, batch: list[Queued]) -> None:
        try:
            async with self.db.transaction() as session:
                await emit_many(session, [record for record, _ in batch],
                                headers=[carrier for _, carrier in batch])
        except Exception as exc:
            lose(self.service, [record for record, _ in batch], exc)

    async def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Write what is queued (for up to ``timeout``), then stop."""
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        left = [record for record, _ in self._writing]
        while not self._queue.empty():
            left.append(self._queue.get_nowait()[0])
        if left:
            lose(self.service, left, "the service stopped before it was written")
