"""Consumers: batches applied in one transaction, inbox-deduplicated, offsets
committed only after the commit, failures to ``<topic>.retry`` then
``<topic>.dlq``.

A consumer is a named group of handlers, one per message type::

    catalogue = EventConsumer("sales.catalogue", [topics.INVENTORY_EVENTS])

    @catalogue.on(ProductUpserted)
    async def keep_replica(message, envelope, session): ...

The service's bootstrap attaches it to the FastStream router with
:meth:`ConsumerRuntime.attach`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.message import KafkaMessage
from opentelemetry import propagate, trace
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.base import Message, decode
from jxc.platform.db import Database
from jxc.platform.envelope import Envelope, decode_headers
from jxc.platform.errors import is_connection_error
from jxc.platform.inbox import claim
from jxc.platform.observability.metrics import CONSUMER_LAG, MESSAGE_DURATION, MESSAGES_HANDLED
from jxc.platform.settings import ServiceSettings

Handler = Callable[[Any, Envelope, AsyncSession], Awaitable[None]]
log = logging.getLogger("jxc.consumer")
tracer = trace.get_tracer("jxc.consumer")

H_ATTEMPT = "jxc_attempt"
H_RETRY_FOR = "jxc_retry_for"
H_NOT_BEFORE = "jxc_not_before"
H_ERROR = "jxc_error"
H_ORIGIN = "jxc_original_topic"


class EventConsumer:
    def __init__(self, name: str, topic_names: Sequence[str]):
        self.name = name
        self.topics = list(topic_names)
        self.handlers: dict[str, Handler] = {}

    def on(self, *message_types: type[Message]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for cls in message_types:
                if cls.topic not in self.topics:
                    raise ValueError(f"{self.name} does not read {cls.topic} ({cls.type_name})")
                self.handlers[cls.type_name] = handler
            return handler
        return register


class PoisonMessage(Exception):
    """A message that can never be processed: undecodable or invalid."""


@dataclass
class Incoming:
    record: ConsumerRecord[Any, Any]
    headers: dict[str, str]
    envelope: Envelope


def _incoming(record: ConsumerRecord[Any, Any]) -> Incoming:
    headers = decode_headers(record.headers or ())
    origin = headers.get(H_ORIGIN, record.topic)
    return Incoming(record, headers, Envelope.from_headers(headers, origin, record.partition,
                                                           record.offset))


class ConsumerRuntime:
    """Binds consumers to a service's database and broker."""

    def __init__(self, settings: ServiceSettings, db: Database, broker: KafkaBroker):
        self.settings = settings
        self.service = settings.service_name
        self.db = db
        self.broker = broker
        self._subscribers: list[tuple[str, Any]] = []

    # -- wiring ---------------------------------------------------------------
    def attach(self, router: KafkaRouter, consumer: EventConsumer) -> None:
        common: dict[str, Any] = {
            "auto_offset_reset": "earliest",
            "fetch_max_wait_ms": self.settings.kafka_fetch_max_wait_ms,
            "session_timeout_ms": 10000,
            "heartbeat_interval_ms": 1000,
            "max_poll_interval_ms": 300000,
            "ack_policy": AckPolicy.NACK_ON_ERROR,
        }
        main = router.subscriber(*consumer.topics, group_id=consumer.name, batch=True,
                                 max_records=200, batch_timeout_ms=50, **common)

        @main  # type: ignore[untyped-decorator]
        async def on_batch(msg: KafkaMessage = Context("message")) -> None:
            records = msg.raw_message
            batch = records if isinstance(records, tuple) else (records,)
            await self.apply_batch(consumer, [_incoming(r) for r in batch])

        retry = router.subscriber(*[topics.retry_topic(t) for t in consumer.topics],
                                  group_id=f"{consumer.name}.retry", **common)

        @retry  # type: ignore[untyped-decorator]
        async def on_retry(msg: KafkaMessage = Context("message")) -> None:
            incoming = _incoming(msg.raw_message)
            if incoming.headers.get(H_RETRY_FOR) != consumer.name:
                return
            await self._wait_until_due(incoming.headers)
            await self.apply_one(consumer, incoming, int(incoming.headers.get(H_ATTEMPT, "1")))

        self._subscribers += [(consumer.name, main), (f"{consumer.name}.retry", retry)]

    # -- applying -------------------------------------------------------------
    async def apply_batch(self, consumer: EventConsumer, batch: list[Incoming]) -> None:
        """Fast path: the whole batch in one transaction. If any message fails,
        fall back to one transaction per message so the failure goes to retry
        alone."""
        started = time.perf_counter()
        try:
            async with self.db.transaction() as session:
                for incoming in batch:
                    await self._apply(consumer, incoming, session)
        except Exception as exc:
            if is_connection_error(exc):
                await self._pause_for_infrastructure(exc)
                raise
            for incoming in batch:
                await self.apply_one(consumer, incoming, attempt=0)
        MESSAGE_DURATION.labels(self.service, consumer.name).observe(time.perf_counter() - started)

    async def apply_one(self, consumer: EventConsumer, incoming: Incoming, attempt: int) -> None:
        try:
            async with self.db.transaction() as session:
                await self._apply(consumer, incoming, session)
        except Exception as exc:
            if is_connection_error(exc):
                await self._pause_for_infrastructure(exc)
                raise
            await self._route_failure(consumer, incoming, attempt + 1, exc)

    async def _apply(self, consumer: EventConsumer, incoming: Incoming,
                     session: AsyncSession) -> None:
        env = incoming.envelope
        handler = consumer.handlers.get(env.type)
        if handler is None:
            MESSAGES_HANDLED.labels(self.service, consumer.name, env.type or "?", "ignored").inc()
            return
        if not env.id:
            raise PoisonMessage("message without ce_id")
        with tracer.start_as_current_span(
            f"{env.topic} process", context=propagate.extract(incoming.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": env.topic,
                        "messaging.message.id": env.id, "messaging.consumer.group.name":
                        consumer.name, "jxc.event.type": env.type},
        ):
            if not await claim(session, consumer.name, env.id, env.type):
                MESSAGES_HANDLED.labels(self.service, consumer.name, env.type, "duplicate").inc()
                return
            try:
                message = decode(env.type, incoming.record.value)
            except (ValidationError, ValueError) as exc:
                raise PoisonMessage(f"undecodable {env.type}: {exc}") from exc
            await handler(message, env, session)
            MESSAGES_HANDLED.labels(self.service, consumer.name, env.type, "ok").inc()

    async def _route_failure(self, consumer: EventConsumer, incoming: Incoming, attempt: int,
                             exc: Exception) -> None:
        env = incoming.envelope
        poison = isinstance(exc, PoisonMessage)
        dead = poison or attempt >= self.settings.consumer_max_attempts
        backoffs = self.settings.consumer_retry_backoff_seconds
        delay = backoffs[min(attempt - 1, len(backoffs) - 1)] if backoffs else 0.0
        headers = {**incoming.headers, H_ATTEMPT: str(attempt), H_RETRY_FOR: consumer.name,
                   H_ORIGIN: env.topic, H_ERROR: f"{type(exc).__name__}: {exc}"[:500],
                   H_NOT_BEFORE: str(time.time() + delay)}
        target = topics.dlq_topic(env.topic) if dead else topics.retry_topic(env.topic)
        outcome = "dead_lettered" if dead else "retried"
        log.warning("%s failed on %s %s (attempt %d): %s -> %s", consumer.name, env.type, env.id,
                    attempt, exc, target, exc_info=not poison)
        await self.broker.publish(
            incoming.record.value, target, key=incoming.record.key,
            headers={k: v for k, v in headers.items()})
        MESSAGES_HANDLED.labels(self.service, consumer.name, env.type or "?", outcome).inc()

    async def _wait_until_due(self, headers: dict[str, str]) -> None:
        with contextlib.suppress(ValueError):
            due = float(headers.get(H_NOT_BEFORE, "0"))
            delay = min(due - time.time(), 240.0)
            if delay > 0:
                await asyncio.sleep(delay)

    async def _pause_for_infrastructure(self, exc: Exception) -> None:
        # The message stays uncommitted and is fetched again; pause so that a
        # database outage does not become a hot loop.
        log.warning("%s: database unavailable, will retry: %s", self.service, exc)
        await asyncio.sleep(1.0)

    # -- lag ------------------------------------------------------------------
    async def record_lag(self) -> None:
        for group, subscriber in self._subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if consumer is None:
                continue
            with contextlib.suppress(Exception):
                for tp in consumer.assignment():
                    end = consumer.highwater(tp)
                    if end is None:
                        continue
                    position = await consumer.position(tp)
                    CONSUMER_LAG.labels(self.service, group, tp.topic, str(tp.partition)).set(
                        max(end - position, 0))

    async def track_lag(self, every: float = 5.0) -> None:
        while True:
            await self.record_lag()
            await asyncio.sleep(every)

