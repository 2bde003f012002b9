"""The outbox publishes every event exactly once, in order per aggregate, and a
relay that dies between publishing and marking causes only a duplicate that
the inbox absorbs."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from jxc.platform.bus import ensure_topics
from jxc.platform.db import Database
from jxc.platform.db.tables import outbox
from jxc.platform.outbox import OutboxRelay, backlog, emit
from jxc.platform.testing import Infrastructure, eventually, topic_reader, unique

from probe import EVENTS, PROBE_TOPICS, Pinged, create_tables, effects, running_consumer


async def _db(url: str) -> Database:
    db = Database(url)
    await create_tables(db.engine)
    return db


async def _emit_interleaved(db: Database, aggregates: list[str], per_aggregate: int) -> None:
    for seq in range(per_aggregate):
        for aggregate in aggregates:
            async with db.transaction() as session:
                await emit(session, Pinged(aggregate=aggregate, seq=seq))


async def test_relay_publishes_each_event_once_in_order_per_aggregate(
        infra: Infrastructure, database_url: str) -> None:
    db = await _db(database_url)
    await ensure_topics(infra.kafka_bootstrap, PROBE_TOPICS)
    aggregates = [unique("agg") for _ in range(4)]
    await _emit_interleaved(db, aggregates, per_aggregate=25)
    relay = OutboxRelay(db, unique("svc"), infra.kafka_bootstrap, poll_seconds=0.2)
    task = asyncio.create_task(relay.run())
    try:
        async with topic_reader(infra.kafka_bootstrap, EVENTS) as reader:
            await eventually(lambda: _has_keys(reader, aggregates, 100), what="100 events")
            mine = [r for r in reader.records if r.key.decode() in aggregates]
            ids = [reader.headers(r)["ce_id"] for r in mine]
            assert len(ids) == len(set(ids)) == 100
            by_key: dict[str, list[int]] = defaultdict(list)
            for record in mine:
                by_key[record.key.decode()].append(json.loads(record.value)["seq"])
            assert {k: v for k, v in by_key.items()} == {a: list(range(25)) for a in aggregates}
            headers = reader.headers(mine[0])
            assert headers["ce_specversion"] == "1.0"
            assert headers["ce_type"] == "jxc.probe.Pinged.v1"
            assert headers["ce_source"] == "/jxc/probe"
            assert headers["ce_subject"] == mine[0].key.decode()
        async with db.session() as session:
            assert await eventually(lambda: _backlog_is(db, 0))
            sent = await session.scalar(select(func.count()).select_from(outbox)
                                        .where(outbox.c.sent_at.is_not(None)))
            assert sent == 100
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await relay.close()
        await db.dispose()


async def _backlog_is(db: Database, expected: int) -> bool:
    async with db.session() as session:
        return await backlog(session) == expected


class _CrashBeforeMark(OutboxRelay):
    """A relay that dies after Kafka acknowledged the batch, before it is marked."""

    async def _mark_sent(self, session, ids):  # type: ignore[no-untyped-def]
        raise asyncio.CancelledError("killed between publish and mark")


async def test_relay_crash_between_publish_and_mark_duplicates_are_absorbed_by_inbox(
        infra: Infrastructure, database_url: str) -> None:
    db = await _db(database_url)
    await ensure_topics(infra.kafka_bootstrap, PROBE_TOPICS)
    aggregate = unique("crash")
    await _emit_interleaved(db, [aggregate], per_aggregate=10)
    service = unique("svc")

    crashing = _CrashBeforeMark(db, service, infra.kafka_bootstrap, poll_seconds=0.2)
    crashed = asyncio.create_task(crashing.run())
    async with topic_reader(infra.kafka_bootstrap, EVENTS) as reader:
        await eventually(lambda: _has_key(reader, aggregate, 10), what="first publication")
        await asyncio.gather(crashed, return_exceptions=True)
        await crashing.close()
        assert await _backlog_is(db, 10), "nothing was marked sent"

        restarted = OutboxRelay(db, service, infra.kafka_bootstrap, poll_seconds=0.2)
        task = asyncio.create_task(restarted.run())
        try:
            await eventually(lambda: _backlog_is(db, 0), what="restarted relay drains")
            await eventually(lambda: _has_key(reader, aggregate, 20), what="duplicates")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await restarted.close()

    async with running_consumer(infra, db) as consumer:
        # The consumer's counters are labelled with its own unique service name,
        # and it may already have consumed everything while waiting for its
        # partition assignment, so count from zero.
        async def applied() -> list[int]:
            async with db.session() as session:
                return list((await session.execute(select(effects.c.seq).where(
                    effects.c.aggregate == aggregate).order_by(effects.c.id))).scalars())
        # A new group reads the whole shared topic first; give a loaded machine time.
        await eventually(lambda: _equals(applied(), list(range(10))), timeout=240,
                         what="one effect each")
        await eventually(lambda: consumer.handled("duplicate") >= 10, timeout=240,
                         what="duplicates seen")
        assert await applied() == list(range(10))
    await db.dispose()


async def _equals(value: Any, expected: Any) -> bool:
    return await value == expected


async def _has_key(reader, key: str, count: int) -> bool:  # type: ignore[no-untyped-def]
    await reader.read(0, timeout=1)
    return len([r for r in reader.records if r.key.decode() == key]) >= count


async def _has_keys(reader, keys: list[str], count: int) -> bool:  # type: ignore[no-untyped-def]
    await reader.read(0, timeout=1)
    return len([r for r in reader.records if r.key.decode() in keys]) >= count
