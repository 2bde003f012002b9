"""Consumers commit only after their transaction, retry with backoff through
``<topic>.retry`` and dead-letter what keeps failing."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from jxc.contracts import topics
from jxc.platform.bus import ensure_topics
from jxc.platform.db import Database
from jxc.platform.outbox import OutboxRelay, emit
from jxc.platform.testing import Infrastructure, eventually, topic_reader, unique

from probe import PROBE_TOPICS, Pinged, create_tables, effects, running_consumer


async def _publish(infra: Infrastructure, db: Database, *messages: Pinged) -> None:
    async with db.transaction() as session:
        for message in messages:
            await emit(session, message)
    relay = OutboxRelay(db, unique("svc"), infra.kafka_bootstrap, poll_seconds=0.2)
    task = asyncio.create_task(relay.run())
    try:
        from jxc.platform.outbox import backlog

        async def drained() -> bool:
            async with db.session() as session:
                return await backlog(session) == 0
        await eventually(drained, what="outbox drained")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await relay.close()


async def _seqs(db: Database, aggregate: str) -> list[int]:
    async with db.session() as session:
        rows = await session.execute(select(effects.c.seq).where(effects.c.aggregate == aggregate)
                                     .order_by(effects.c.seq))
        return list(rows.scalars())


async def test_failing_message_is_retried_then_dead_lettered_and_others_still_apply(
        infra: Infrastructure, database_url: str) -> None:
    db = Database(database_url)
    await create_tables(db.engine)
    await ensure_topics(infra.kafka_bootstrap, PROBE_TOPICS)
    aggregate = unique("poison")
    dlq = topics.dlq_topic(Pinged.topic)
    async with running_consumer(infra, db, failures_before_success=99, max_attempts=3,
                                backoff=(0.2, 0.4)) as consumer:
        await _publish(infra, db, Pinged(aggregate=aggregate, seq=0),
                       Pinged(aggregate=aggregate, seq=1, fail=True),
                       Pinged(aggregate=aggregate, seq=2))
        async with topic_reader(infra.kafka_bootstrap, dlq) as reader:
            async def dead_lettered() -> bool:
                await reader.read(0, timeout=1)
                return any(r.key.decode() == aggregate for r in reader.records)
            await eventually(dead_lettered, what="the failing message in the DLQ")
            record = next(r for r in reader.records if r.key.decode() == aggregate)
            headers = reader.headers(record)
        assert headers["jxc_attempt"] == "3"
        assert headers["jxc_original_topic"] == Pinged.topic
        assert "probe failure" in headers["jxc_error"]
        assert headers["ce_type"] == Pinged.type_name
        # Once inside the failed batch, then alone: attempt 1, and two retries.
        assert consumer.attempts[f"{aggregate}:1"] == 4
        # The failing message's effect rolled back each time; its neighbours applied once.
        assert await _seqs(db, aggregate) == [0, 2]
        assert consumer.handled("retried") == 2
        assert consumer.handled("dead_lettered") == 1
    await db.dispose()


async def test_transient_failure_succeeds_on_retry_exactly_once(
        infra: Infrastructure, database_url: str) -> None:
    db = Database(database_url)
    await create_tables(db.engine)
    await ensure_topics(infra.kafka_bootstrap, PROBE_TOPICS)
    aggregate = unique("flaky")
    async with running_consumer(infra, db, failures_before_success=1, max_attempts=3,
                                backoff=(0.2,)) as consumer:
        await _publish(infra, db, Pinged(aggregate=aggregate, seq=7, fail=True))
        await eventually(lambda: consumer.effect_count(aggregate, 1), what="retried effect")
        assert consumer.attempts[f"{aggregate}:7"] >= 2
        assert await _seqs(db, aggregate) == [7]
        assert consumer.handled("dead_lettered") == 0
    await db.dispose()


async def test_offsets_are_committed_only_after_the_transaction(
        infra: Infrastructure, database_url: str) -> None:
    """A consumer group that stops and comes back resumes after what it applied,
    and re-reads nothing it committed: effects stay exactly once."""
    db = Database(database_url)
    await create_tables(db.engine)
    await ensure_topics(infra.kafka_bootstrap, PROBE_TOPICS)
    aggregate = unique("resume")
    group = unique("resume_group")
    async with running_consumer(infra, db, group=group) as first:
        await _publish(infra, db, *[Pinged(aggregate=aggregate, seq=i) for i in range(5)])
        await eventually(lambda: first.effect_count(aggregate, 5), what="first five")
    await _publish(infra, db, *[Pinged(aggregate=aggregate, seq=i) for i in range(5, 10)])
    async with running_consumer(infra, db, group=group) as second:
        await eventually(lambda: second.effect_count(aggregate, 10), what="next five")
        assert second.handled("duplicate") == 0
    assert await _seqs(db, aggregate) == list(range(10))
    await db.dispose()
