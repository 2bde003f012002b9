"""The service factory: every service's ``bootstrap.py`` describes itself with
a :class:`ServiceSpec` and gets a FastAPI app whose lifespan starts what its
role needs.

Roles: ``api`` serves the routers; ``worker`` runs consumers, the outbox relay
and the saga scheduler (and serves only health and metrics); ``all`` does both
in one process (the local stack).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request, Response
from faststream.kafka import KafkaBroker, KafkaRouter
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from jxc.contracts.topics import AUDIT_EVENTS
from jxc.platform.audit import AuditMiddleware
from jxc.platform.audit_writer import AuditWriter
from jxc.platform.auth import JwksVerifier, http_jwks_fetcher
from jxc.platform.bus import BusSupervisor, ConsumerRuntime, EventConsumer, make_broker
from jxc.platform.db import Database, current_revision, head_revision
from jxc.platform.errors import install_error_handlers
from jxc.platform.health import router as health_router
from jxc.platform.idempotency import IdempotencyMiddleware
from jxc.platform.observability import configure_logging, configure_tracing, metrics_response
from jxc.platform.observability.metrics import HTTP_DURATION, HTTP_REQUESTS
from jxc.platform.observability.tracing import instrument_app, instrument_engine
from jxc.platform.outbox import OutboxRelay
from jxc.platform.saga import SagaDefinition, SagaEngine
from jxc.platform.settings import ServiceSettings

Role = Literal["api", "worker", "all"]
log = logging.getLogger("jxc.app")


@dataclass
class Runtime:
    """What a running service holds; reachable from a request as
    ``request.app.state.runtime``."""

    settings: ServiceSettings
    role: Role
    db: Database
    broker: KafkaBroker
    bus: BusSupervisor
    consumers: ConsumerRuntime
    relay: OutboxRelay
    sagas: SagaEngine
    verifier: JwksVerifier
    audit: AuditWriter | None = None
    """Writes the audit middleware's records; api roles with auditing on."""
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    def background(self, coro: Awaitable[Any], name: str) -> None:
        self.tasks.append(asyncio.ensure_future(coro))
        self.tasks[-1].set_name(name)


@dataclass
class ServiceSpec:
    settings: ServiceSettings
    title: str
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[EventConsumer] = ()
    sagas: Sequence[SagaDefinition] = ()
    saga_reply_topics: Sequence[str] = ()
    migrations_dir: Path | None = None
    topics: Sequence[str] | None = None
    """Topics the service makes sure exist; None means every contract topic."""
    on_start: Sequence[Callable[[Runtime], Awaitable[None]]] = ()
    """Started in the background once the runtime exists, retried until they succeed."""
    jwks_fetcher: Callable[[Runtime], Callable[[], Awaitable[dict[str, Any]]]] | None = None
    version: str = "0.1.0"

    def migrations(self) -> Path | None:
        return self.settings.migrations_dir or self.migrations_dir


class RedMetrics(BaseHTTPMiddleware):
    def __init__(self, app: Any, service: str):
        super().__init__(app)
        self.service = service

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, request.method, path, str(status)).inc()
            HTTP_DURATION.labels(self.service, request.method, path).observe(
                time.perf_counter() - started)


def create_app(spec: ServiceSpec, role: Role = "all") -> FastAPI:
    settings = spec.settings
    service = settings.service_name
    configure_tracing(service, settings.otlp_endpoint)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = _build_runtime(spec, role)
        app.state.runtime = runtime
        app.state.verifier = runtime.verifier
        app.state.readiness_checks = _readiness(spec, runtime)
        instrument_engine(runtime.db.engine)
        runtime.bus.start()
        if runtime.audit is not None:
            runtime.audit.start()
        if role in ("worker", "all"):
            runtime.background(runtime.relay.run(), "outbox-relay")
            runtime.background(runtime.sagas.run_scheduler(settings.saga_tick_seconds),
                               "saga-scheduler")
            runtime.background(runtime.consumers.track_lag(), "consumer-lag")
        for hook in spec.on_start:
            runtime.background(_until_done(hook, runtime), f"on-start-{hook.__name__}")
        try:
            yield
        finally:
            if runtime.audit is not None:
                await runtime.audit.close()  # requests are done: write what they left
            for task in runtime.tasks:
                task.cancel()
            for task in runtime.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await runtime.bus.stop()
            await runtime.relay.close()
            await runtime.db.dispose()

    app = FastAPI(title=spec.title, version=spec.version, lifespan=lifespan)
    install_error_handlers(app)
    if role in ("api", "all"):
        app.add_middleware(IdempotencyMiddleware)  # inside RedMetrics: replays count too
    app.add_middleware(RedMetrics, service=service)
    if role in ("api", "all") and settings.audit_enabled:
        app.add_middleware(AuditMiddleware, service=service)  # outermost: sees every answer
    instrument_app(app)
    app.include_router(health_router)
    app.add_api_route("/metrics", metrics_response, include_in_schema=False)
    if role in ("api", "all"):
        for router in spec.routers:
            app.include_router(router)
    app.state.spec = spec
    app.state.role = role
    return app


async def _until_done(hook: Callable[[Runtime], Awaitable[None]], runtime: Runtime) -> None:
    """Run a start-up hook, retrying while the database or broker is away."""
    backoff = 0.5
    while True:
        try:
            await hook(runtime)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("start-up task %s failed, retrying: %s", hook.__name__, exc)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)


def _build_runtime(spec: ServiceSpec, role: Role) -> Runtime:
    settings = spec.settings
    configure_logging(settings.service_name, settings.log_level)
    db = Database.from_settings(settings)
    broker = make_broker(settings)
    consumers = ConsumerRuntime(settings, db, broker)
    sagas = SagaEngine(settings.service_name, db, list(spec.sagas))
    if role in ("worker", "all"):
        router = KafkaRouter()
        for consumer in spec.consumers:
            consumers.attach(router, consumer)
        if spec.sagas:
            consumers.attach(router, sagas.consumer(list(spec.saga_reply_topics)))
        broker.include_router(router)
    relay = OutboxRelay(db, settings.service_name, settings.kafka_bootstrap,
                        idempotent_producer=settings.kafka_idempotent_producer,
                        batch_size=settings.outbox_batch_size,
                        poll_seconds=settings.outbox_poll_seconds)
    runtime = Runtime(
        settings=settings, role=role, db=db, broker=broker,
        bus=BusSupervisor(broker, settings.kafka_bootstrap, _topics(spec)),
        consumers=consumers, relay=relay, sagas=sagas,
        verifier=JwksVerifier(http_jwks_fetcher(settings.jwks_url), settings.jwt_issuer,
                              settings.jwt_audience, settings.jwks_cache_seconds),
    )
    if role in ("api", "all") and settings.audit_enabled:
        runtime.audit = AuditWriter(db, settings.service_name)
    if spec.jwks_fetcher is not None:
        runtime.verifier = JwksVerifier(spec.jwks_fetcher(runtime), settings.jwt_issuer,
                                        settings.jwt_audience, settings.jwks_cache_seconds)
    return runtime


def _topics(spec: ServiceSpec) -> list[str] | None:
    """The spec's topics, plus the audit topic its outbox publishes to."""
    if spec.topics is None or not spec.settings.audit_enabled:
        return None if spec.topics is None else list(spec.topics)
    return [*spec.topics, *([] if AUDIT_EVENTS in spec.topics else [AUDIT_EVENTS])]


def _readiness(spec: ServiceSpec, runtime: Runtime) -> dict[str, Callable[[], Awaitable[bool]]]:
    at_head = False

    async def database() -> bool:
        await runtime.db.ping()
        return True

    async def migrations() -> bool:
        nonlocal at_head
        scripts = spec.migrations()
        if at_head or scripts is None:
            return True
        at_head = (await current_revision(runtime.settings.database_url)
                   == head_revision(scripts))
        return at_head

    async def broker() -> bool:
        return await runtime.bus.ready()

    return {"database": database, "migrations": migrations, "broker": broker}
