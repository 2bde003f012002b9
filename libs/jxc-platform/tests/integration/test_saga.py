"""A saga's state lives in the orchestrator's database: a new orchestrator
process picks it up where the old one stopped, and a step past its deadline
is failed and the finished steps compensated."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.bus import EventConsumer, ensure_topics
from jxc.platform.db import Database
from jxc.platform.envelope import Envelope
from jxc.platform.saga import SagaDefinition, SagaEngine, Step, reply_to
from jxc.platform.testing import Infrastructure, eventually, unique

from probe import (
    COMMANDS,
    PROBE_TOPICS,
    REPLIES,
    ApproveThing,
    HoldThing,
    ReleaseThing,
    ThingHeld,
    ThingRefused,
    create_tables,
    effects,
    running_node,
)

failed_sagas: list[tuple[uuid.UUID, dict[str, object]]] = []


async def _on_failed(session: AsyncSession, saga_id: uuid.UUID, data: dict[str, object],
                     reason: dict[str, object]) -> None:
    failed_sagas.append((saga_id, reason))


def _definition() -> SagaDefinition:
    return SagaDefinition("hold_and_approve", [
        Step("hold", invoke=lambda d: HoldThing(order_id=d["order_id"]),
             success=(ThingHeld,), failure=(ThingRefused,),
             compensate=lambda d: ReleaseThing(order_id=d["order_id"])),
        Step("approve", invoke=lambda d: ApproveThing(order_id=d["order_id"]),
             success=(ThingHeld,), timeout=timedelta(seconds=2)),
    ], on_failed=_on_failed)


def _participant() -> EventConsumer:
    """Holds on request, never approves (so the saga times out), records releases."""
    participant = EventConsumer(unique("participant"), [COMMANDS])

    @participant.on(HoldThing)
    async def hold(message: HoldThing, envelope: Envelope, session: AsyncSession) -> None:
        await reply_to(session, envelope, ThingHeld(order_id=message.order_id))

    @participant.on(ApproveThing)
    async def approve(message: ApproveThing, envelope: Envelope, session: AsyncSession) -> None:
        return None

    @participant.on(ReleaseThing)
    async def release(message: ReleaseThing, envelope: Envelope, session: AsyncSession) -> None:
        await session.execute(effects.insert().values(
            message_id=envelope.id, aggregate="released", seq=0, order_id=message.order_id))

    return participant


async def test_saga_resumes_after_orchestrator_restart_and_compensates_on_timeout(
        infra: Infrastructure) -> None:
    await ensure_topics(infra.kafka_bootstrap, PROBE_TOPICS)
    orchestrator_db = Database(infra.fresh_database("orchestrator"))
    participant_db = Database(infra.fresh_database("participant"))
    for db in (orchestrator_db, participant_db):
        await create_tables(db.engine)
    service = unique("orch")
    order_id = uuid.uuid4()
    saga_id = uuid.uuid4()

    async with running_node(infra, participant_db, unique("part"), [_participant()]):
        first = SagaEngine(service, orchestrator_db, [_definition()])
        async with running_node(infra, orchestrator_db, service,
                                [first.consumer([REPLIES])], first):
            async with orchestrator_db.transaction() as session:
                await first.start(session, "hold_and_approve", saga_id,
                                  {"order_id": str(order_id)})

            async def at_step(name: str) -> bool:
                async with orchestrator_db.session() as session:
                    state = await first.get(session, saga_id)
                return state is not None and state["step"] == name
            await eventually(lambda: at_step("approve"), what="saga waiting on approve")
        # The orchestrator is gone. A new one, with nothing in memory, takes over.
        second = SagaEngine(service, orchestrator_db, [_definition()])
        async with running_node(infra, orchestrator_db, service,
                                [second.consumer([REPLIES])], second):
            async def failed() -> bool:
                async with orchestrator_db.session() as session:
                    state = await second.get(session, saga_id)
                return state is not None and state["status"] == "failed"
            await eventually(failed, what="saga timed out")

            async def released() -> bool:
                async with participant_db.session() as session:
                    rows = await session.execute(select(effects.c.order_id)
                                                 .where(effects.c.aggregate == "released"))
                    return list(rows.scalars()) == [order_id]
            await eventually(released, what="compensation applied by the participant")

    async with orchestrator_db.session() as session:
        state = await second.get(session, saga_id)
    assert state is not None
    assert state["failure_reason"] == "timeout"
    steps = [(h["step"], next(k for k in h if k not in ("step", "at"))) for h in state["history"]]
    assert steps == [("hold", "sent"), ("hold", "reply"), ("approve", "sent"),
                     ("approve", "timeout"), ("hold", "compensation")]
    assert (saga_id, {"code": "timeout", "step": "approve"}) in failed_sagas
    await orchestrator_db.dispose()
    await participant_db.dispose()
