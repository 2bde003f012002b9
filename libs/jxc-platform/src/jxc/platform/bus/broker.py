from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import REGISTRY

from jxc.contracts import topics
from jxc.platform.settings import ServiceSettings

log = logging.getLogger("jxc.bus")
_prometheus_middleware: KafkaPrometheusMiddleware | None = None


def _prometheus(service: str) -> KafkaPrometheusMiddleware:
    # One per process: its metrics register in the global registry once.
    global _prometheus_middleware
    if _prometheus_middleware is None:
        _prometheus_middleware = KafkaPrometheusMiddleware(registry=REGISTRY, app_name=service)
    return _prometheus_middleware


def make_broker(settings: ServiceSettings) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=f"jxc-{settings.service_name}",
        enable_idempotence=settings.kafka_idempotent_producer,
        acks="all",
        middlewares=[KafkaTelemetryMiddleware(), _prometheus(settings.service_name)],
        graceful_timeout=15.0,
        logger=logging.getLogger(f"jxc.bus.{settings.service_name}"),
        log_level=logging.DEBUG,
    )


async def ensure_topics(bootstrap: str, names: Iterable[str] | None = None) -> None:
    """Create the given topics (default: every topic of the contracts) with their
    written-down partition counts; existing topics are left as they are."""
    wanted = list(names) if names is not None else list(topics.ALL_TOPICS)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            new = [NewTopic(t, topics.PARTITIONS.get(t, 3), 1) for t in missing]
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
    finally:
        await admin.close()


class BusSupervisor:
    """Starts the broker in the background and keeps trying until the Kafka
    cluster answers, so a service boots (not ready) while the broker is down."""

    def __init__(self, broker: KafkaBroker, bootstrap: str, topic_names: Iterable[str] | None):
        self.broker = broker
        self.bootstrap = bootstrap
        self.topic_names = list(topic_names) if topic_names is not None else None
        self.started = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="bus-supervisor")

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await ensure_topics(self.bootstrap, self.topic_names)
                await self.broker.start()
                self.started = True
                log.info("bus connected to %s", self.bootstrap)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("broker %s not reachable yet: %s", self.bootstrap, exc)
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def ready(self) -> bool:
        if not self.started:
            return False
        try:
            return bool(await self.broker.ping(timeout=2.0))
        except Exception:
            return False

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self.broker.stop()
        self.started = False
