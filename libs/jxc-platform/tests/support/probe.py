"""A tiny published language and database for exercising the platform alone."""

from __future__ import annotations

import uuid
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid
from sqlalchemy.ext.asyncio import AsyncEngine

from jxc.contracts.base import Command, Event, Reply, register
from jxc.platform.db import platform_metadata

EVENTS = "probe.events.v1"
COMMANDS = "probe.commands.v1"
REPLIES = "probe.replies.v1"


def topic_family(topic: str) -> list[str]:
    return [topic, f"{topic}.retry", f"{topic}.dlq"]


PROBE_TOPICS = [*topic_family(EVENTS), *topic_family(COMMANDS), *topic_family(REPLIES)]


class ProbeEvent(Event):
    source: ClassVar[str] = "/jxc/probe"
    topic: ClassVar[str] = EVENTS


@register
class Pinged(ProbeEvent):
    type_name: ClassVar[str] = "jxc.probe.Pinged.v1"
    aggregate: str
    seq: int
    fail: bool = False

    def partition_key(self) -> str:
        return self.aggregate


@register
class HoldThing(Command):
    type_name: ClassVar[str] = "jxc.probe.HoldThing.v1"
    source: ClassVar[str] = "/jxc/probe"
    topic: ClassVar[str] = COMMANDS
    order_id: uuid.UUID

    def partition_key(self) -> str:
        return str(self.order_id)


@register
class ReleaseThing(HoldThing):
    type_name: ClassVar[str] = "jxc.probe.ReleaseThing.v1"


@register
class ApproveThing(HoldThing):
    type_name: ClassVar[str] = "jxc.probe.ApproveThing.v1"


@register
class ThingHeld(Reply):
    type_name: ClassVar[str] = "jxc.probe.ThingHeld.v1"
    source: ClassVar[str] = "/jxc/probe"
    topic: ClassVar[str] = REPLIES
    order_id: uuid.UUID

    def partition_key(self) -> str:
        return str(self.order_id)


@register
class ThingRefused(ThingHeld):
    type_name: ClassVar[str] = "jxc.probe.ThingRefused.v1"
    reason: str = "no"


probe_metadata = MetaData()
effects = Table(
    "probe_effect", probe_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(100), nullable=False),
    Column("aggregate", String(100), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("order_id", Uuid),
)


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
        await conn.run_sync(probe_metadata.create_all)


# -- a consumer over the real broker -----------------------------------------
import asyncio  # noqa: E402
import contextlib  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402

from faststream.kafka import KafkaRouter  # noqa: E402
from prometheus_client import REGISTRY  # noqa: E402
from sqlmodel.ext.asyncio.session import AsyncSession  # noqa: E402

from jxc.platform.bus import ConsumerRuntime, EventConsumer, make_broker  # noqa: E402
from jxc.platform.db import Database  # noqa: E402
from jxc.platform.envelope import Envelope  # noqa: E402
from jxc.platform.settings import ServiceSettings  # noqa: E402
from jxc.platform.testing import Infrastructure, eventually, unique  # noqa: E402


class ProbeConsumer:
    """Records each Pinged as an effect row; fails on request."""

    def __init__(self, infra: Infrastructure, db: Database, *, failures_before_success: int = 0,
                 max_attempts: int = 3, backoff: tuple[float, ...] = (0.2, 0.4),
                 group: str | None = None):
        self.service = unique("probe")
        self.db = db
        self.settings = ServiceSettings(
            service_name=self.service, kafka_bootstrap=infra.kafka_bootstrap,
            consumer_max_attempts=max_attempts, consumer_retry_backoff_seconds=backoff)
        self.failures_before_success = failures_before_success
        self.attempts: dict[str, int] = {}
        self.broker = make_broker(self.settings)
        self.runtime = ConsumerRuntime(self.settings, db, self.broker)
        self.consumer = EventConsumer(group or unique("probe_group"), [EVENTS])
        self.consumer.on(Pinged)(self.handle)
        router = KafkaRouter()
        self.runtime.attach(router, self.consumer)
        self.broker.include_router(router)

    async def handle(self, message: Pinged, envelope: Envelope, session: AsyncSession) -> None:
        key = f"{message.aggregate}:{message.seq}"
        self.attempts[key] = self.attempts.get(key, 0) + 1
        await session.execute(effects.insert().values(
            message_id=envelope.id, aggregate=message.aggregate, seq=message.seq))
        if message.fail and self.attempts[key] <= self.failures_before_success:
            raise RuntimeError(f"probe failure {self.attempts[key]} of {key}")

    def handled(self, outcome: str) -> float:
        return REGISTRY.get_sample_value("jxc_messages_handled_total", {
            "service": self.service, "consumer": self.consumer.name,
            "type": Pinged.type_name, "outcome": outcome}) or 0.0

    async def effect_count(self, aggregate: str, at_least: int) -> bool:
        async with self.db.session() as session:
            from sqlalchemy import func, select
            count = await session.scalar(select(func.count()).select_from(effects)
                                         .where(effects.c.aggregate == aggregate))
        return (count or 0) >= at_least

    async def wait_assigned(self) -> None:
        def assigned() -> bool:
            for _, subscriber in self.runtime._subscribers:
                consumer = getattr(subscriber, "consumer", None)
                if consumer is None or not consumer.assignment():
                    return False
            return True
        await eventually(assigned, timeout=90, what="partition assignment")


@contextlib.asynccontextmanager
async def running_consumer(infra: Infrastructure, db: Database,
                           **options: object) -> AsyncIterator[ProbeConsumer]:
    probe = ProbeConsumer(infra, db, **options)  # type: ignore[arg-type]
    started = asyncio.create_task(probe.broker.start())
    try:
        await probe.wait_assigned()
        yield probe
    finally:
        started.cancel()
        await asyncio.gather(started, return_exceptions=True)
        await probe.broker.stop()


@contextlib.asynccontextmanager
async def running_node(infra: Infrastructure, db: Database, service: str,
                       consumers: list[EventConsumer], saga_engine: object | None = None,
                       ) -> AsyncIterator[ConsumerRuntime]:
    """One service's worker: its consumers, outbox relay and saga scheduler."""
    from jxc.platform.outbox import OutboxRelay
    from jxc.platform.saga import SagaEngine

    settings = ServiceSettings(service_name=service, kafka_bootstrap=infra.kafka_bootstrap)
    broker = make_broker(settings)
    runtime = ConsumerRuntime(settings, db, broker)
    router = KafkaRouter()
    for consumer in consumers:
        runtime.attach(router, consumer)
    broker.include_router(router)
    relay = OutboxRelay(db, service, infra.kafka_bootstrap, poll_seconds=0.2)
    tasks = [asyncio.create_task(broker.start()), asyncio.create_task(relay.run())]
    if isinstance(saga_engine, SagaEngine):
        tasks.append(asyncio.create_task(saga_engine.run_scheduler(0.2)))
    try:
        def assigned() -> bool:
            return all(getattr(s, "consumer", None) is not None and s.consumer.assignment()
                       for _, s in runtime._subscribers)
        await eventually(assigned, timeout=90, what=f"{service} partition assignment")
        yield runtime
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await broker.stop()
        await relay.close()
