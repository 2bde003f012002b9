"""A service built on the platform the way real ones are, for testing the
platform's HTTP side: auth, errors, health, metrics, tracing, idempotency and
the audit trail."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.api import SessionDep, etag
from jxc.platform.app import ServiceSpec
from jxc.platform.audit import annotate
from jxc.platform.auth import CurrentPrincipal, require
from jxc.platform.bus import EventConsumer
from jxc.platform.db import Database
from jxc.platform.envelope import Envelope
from jxc.platform.errors import ServiceUnavailable
from jxc.platform.outbox import emit
from jxc.platform.settings import ServiceSettings
from jxc.platform.testing import Infrastructure, TokenIssuer, unique

from probe import EVENTS, PROBE_TOPICS, Pinged, create_tables, effects

router = APIRouter(prefix="/api/v1/probe")


class PingIn(BaseModel):
    aggregate: str = Field(min_length=1, max_length=50)
    seq: int = Field(ge=0)


@router.post("/pings", status_code=201, dependencies=[require("inventory:adjust")])
async def ping(body: PingIn, session: SessionDep) -> dict[str, str]:
    event_id = await emit(session, Pinged(aggregate=body.aggregate, seq=body.seq))
    await session.commit()
    return {"event_id": str(event_id)}


class ThingIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    fail_first: Literal["error", "unavailable"] | None = None
    """Fail the first attempt for this name with a 500 or a 503."""
    gate: str | None = None
    """Hold the request until the test opens ``GATES[gate]``."""
    secret: bool = False
    """Answer with ``Cache-Control: no-store``, as a token endpoint does."""


GATES: dict[str, asyncio.Event] = {}
THING_ATTEMPTS: Counter[str] = Counter()


@router.post("/things", status_code=201, dependencies=[require("inventory:adjust")])
async def create_thing(body: ThingIn, session: SessionDep, response: Response) -> dict[str, str]:
    """Creates something: one effect row per run, a fresh id, Location and ETag."""
    THING_ATTEMPTS[body.name] += 1
    if body.gate is not None:
        await asyncio.wait_for(GATES[body.gate].wait(), timeout=60)
    if body.fail_first and THING_ATTEMPTS[body.name] == 1:
        if body.fail_first == "unavailable":
            raise ServiceUnavailable("the probe is unavailable this once")
        raise RuntimeError("the probe fails this once")
    thing_id = uuid.uuid4()
    await session.execute(effects.insert().values(message_id=str(thing_id),
                                                  aggregate=body.name, seq=0))
    await session.commit()
    response.headers["Location"] = f"/api/v1/probe/things/{thing_id}"
    response.headers["ETag"] = etag(1)
    response.headers["X-Probe-Run"] = str(THING_ATTEMPTS[body.name])
    if body.secret:
        response.headers["Cache-Control"] = "no-store"
    return {"id": str(thing_id), "name": body.name}


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=50)


@router.put("/notes/{note_id}")
async def put_note(note_id: str, body: NoteIn, request: Request,
                   principal: CurrentPrincipal) -> dict[str, str]:
    """Touches no database; tells the audit trail what changed."""
    annotate(request, before=None, after={"title": body.title})
    return {"id": note_id, "title": body.title, "by": principal.subject}


@router.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> dict[str, object]:
    return {"subject": principal.subject, "permissions": sorted(principal.permissions)}


def probe_spec(infra: Infrastructure, database_url: str, issuer: TokenIssuer,
               **settings: object) -> ServiceSpec:
    consumer = EventConsumer(unique("probe_app"), [EVENTS])

    @consumer.on(Pinged)
    async def record(message: Pinged, envelope: Envelope, session: AsyncSession) -> None:
        await session.execute(effects.insert().values(
            message_id=envelope.id, aggregate=message.aggregate, seq=message.seq))

    keys = APIRouter()

    @keys.get("/.well-known/jwks.json")
    async def jwks() -> dict[str, object]:
        return issuer.jwks()

    options: dict[str, object] = {"service_name": unique("probe"), "database_url": database_url,
                                  "kafka_bootstrap": infra.kafka_bootstrap,
                                  "outbox_poll_seconds": 0.2, **settings}
    return ServiceSpec(settings=ServiceSettings(**options), title="probe",  # type: ignore[arg-type]
                       routers=[router, keys], consumers=[consumer], topics=PROBE_TOPICS,
                       jwks_fetcher=issuer.fetcher)


async def probe_database(infra: Infrastructure) -> str:
    """A fresh database with the platform's and the probe's tables."""
    url = infra.fresh_database("probe")
    db = Database(url)
    await create_tables(db.engine)
    await db.dispose()
    return url
