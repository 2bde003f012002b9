"""A service built on the platform the way real ones are, for testing the
platform's HTTP side: auth, errors, health, metrics and tracing."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.api import SessionDep
from jxc.platform.app import ServiceSpec
from jxc.platform.auth import CurrentPrincipal, require
from jxc.platform.bus import EventConsumer
from jxc.platform.db import Database
from jxc.platform.envelope import Envelope
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
