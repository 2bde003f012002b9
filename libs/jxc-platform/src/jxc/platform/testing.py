"""pytest fixtures on real infrastructure (DESIGN.md §9).

Load with ``pytest_plugins = ["jxc.platform.testing"]``. One PostgreSQL
cluster, one Kafka-protocol broker and one Redis start once per test session on
free loopback ports under a temporary directory and stop at its end. Each test
gets databases of its own (:func:`fresh_database`) and consumer group names of
its own (:func:`unique`), so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from jxc.platform.infra import EmbeddedBroker, EmbeddedPostgres, EmbeddedRedis, free_port

_counter = itertools.count()


def unique(prefix: str) -> str:
    """A name no other test in this session uses (databases, consumer groups)."""
    return f"{prefix}_{os.getpid()}_{next(_counter)}"


@dataclass
class Infrastructure:
    root: Path
    postgres: EmbeddedPostgres
    broker: EmbeddedBroker
    redis: EmbeddedRedis

    @property
    def kafka_bootstrap(self) -> str:
        return self.broker.bootstrap

    @property
    def redis_url(self) -> str:
        return self.redis.url

    def fresh_database(self, prefix: str = "test") -> str:
        """Create an empty database and return its SQLAlchemy (asyncpg) URL."""
        name = unique(prefix)
        self.postgres.ensure_database(name)
        return self.postgres.url(name)


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    root = Path(tempfile.mkdtemp(prefix="jxc-test-"))
    postgres = EmbeddedPostgres(root / "pg", port=free_port())
    broker = EmbeddedBroker(free_port(), root / "tansu.log")
    redis = EmbeddedRedis(free_port(), root / "redis")
    started: list[Any] = []
    try:
        for server in (postgres, broker, redis):
            server.start()
            started.append(server)
        yield Infrastructure(root, postgres, broker, redis)
    finally:
        for server in reversed(started):
            with contextlib.suppress(Exception):
                server.stop()


@pytest.fixture
def database_url(infra: Infrastructure) -> str:
    """A fresh, empty database for one test."""
    return infra.fresh_database()


async def eventually(check: Callable[[], Any], timeout: float = 60.0,
                     every: float = 0.1, what: str = "condition") -> Any:
    """Await ``check()`` (sync or async) until it returns something truthy.

    Tests wait for outcomes this way, never with fixed sleeps; the timeout only
    bounds a broken test.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value {last!r}")
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def topic_reader(bootstrap: str, *topic_names: str) -> AsyncIterator[TopicReader]:
    """Reads topics from the beginning without a consumer group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                fetch_max_wait_ms=20, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = []
        for topic in topic_names:
            for partition in await _partitions(consumer, topic):
                partitions.append(TopicPartition(topic, partition))
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        yield TopicReader(consumer)
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    found: set[int] | None = None
    for _ in range(100):
        await consumer._client.force_metadata_update()  # noqa: SLF001 - no public refresh
        found = consumer.partitions_for_topic(topic)
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"topic {topic} does not exist")


class TopicReader:
    def __init__(self, consumer: AIOKafkaConsumer):
        self.consumer = consumer
        self.records: list[ConsumerRecord[bytes, bytes]] = []

    async def read(self, count: int, timeout: float = 30.0) -> list[ConsumerRecord[bytes, bytes]]:
        """Wait until at least ``count`` records have arrived; return them all."""
        async def enough() -> bool:
            batch = await self.consumer.getmany(timeout_ms=100)
            for records in batch.values():
                self.records.extend(records)
            return len(self.records) >= count
        await eventually(enough, timeout, every=0, what=f"{count} records")
        return self.records

    def headers(self, record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
        return {k: v.decode() for k, v in record.headers or ()}
