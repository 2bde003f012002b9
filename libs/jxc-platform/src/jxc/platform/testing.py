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
from typing import TYPE_CHECKING, Any

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from jxc.platform.infra import EmbeddedBroker, EmbeddedPostgres, EmbeddedRedis, free_port

if TYPE_CHECKING:
    from jxc.platform.app import Role

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
        await consumer._client.force_metadata_update()
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


async def send(infra: Infrastructure, message: Any, event_id: Any) -> None:
    """Publish a contract message as its service's relay would, with a chosen
    CloudEvents id, so tests can simulate a redelivery (same id) or a retry."""
    from aiokafka import AIOKafkaProducer

    from jxc.platform.envelope import build_headers, encode_headers

    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    try:
        headers = build_headers(message, event_id=event_id, correlation_id=str(event_id))
        await producer.send_and_wait(message.topic, message.model_dump_json().encode(),
                                     key=message.partition_key().encode(),
                                     headers=encode_headers(headers))
    finally:
        await producer.stop()


class TokenIssuer:
    """Signs access tokens the way identity does, for service tests that run
    without identity. Hand :meth:`fetcher` to ``ServiceSpec.jwks_fetcher``."""

    def __init__(self, issuer: str = "jxc", audience: str = "jxc"):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.issuer = issuer
        self.audience = audience
        self.kid = unique("kid")
        self.key = Ed25519PrivateKey.generate()

    def jwks(self) -> dict[str, Any]:
        import json

        import jwt

        public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    def fetcher(self, _runtime: Any = None) -> Callable[[], Any]:
        async def fetch() -> dict[str, Any]:
            return self.jwks()
        return fetch

    def token(self, *permissions: str, subject: str = "00000000-0000-0000-0000-000000000001",
              username: str = "tester", branches: list[str] | None = None,
              warehouses: list[str] | None = None, expires_in: int = 900,
              typ: str = "access") -> str:
        import time

        import jwt

        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.audience, "sub": subject, "iat": now,
            "exp": now + expires_in, "typ": typ, "preferred_username": username,
            "perms": list(permissions)}
        if branches is not None:
            claims["branches"] = branches
        if warehouses is not None:
            claims["warehouses"] = warehouses
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.kid})

    def headers(self, *permissions: str, **options: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*permissions, **options)}"}


def service_app(build: Callable[[Any], Any], settings_type: type[Any], url: str,
                infra: Infrastructure, issuer: TokenIssuer, role: Role = "all",
                **settings: Any) -> Any:
    """A service's app as tests run it: its own bootstrap on the database
    ``url``, the test broker, a quick outbox poll and ``issuer``'s keys;
    ``settings`` override the rest of ``settings_type``."""
    from jxc.platform.app import create_app

    spec = build(settings_type(**{"database_url": url, "kafka_bootstrap": infra.kafka_bootstrap,
                                  "outbox_poll_seconds": 0.2, **settings}))
    spec.jwks_fetcher = issuer.fetcher
    return create_app(spec, role=role)


@contextlib.asynccontextmanager
async def serving(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on loopback inside the test's event loop;
    yields its base URL. The app's lifespan runs as in production."""
    import uvicorn

    port = port or free_port()
    # Idle keep-alive connections stay open longer than any pause in a test
    # (uvicorn's 5 s default races a client reusing the connection: ReadError).
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                          access_log=False, lifespan="on",
                                          timeout_keep_alive=300))
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started or task.done(), timeout=60, every=0.02,
                         what="server start")
        if task.done():
            task.result()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)


async def migrated_database(infra: Infrastructure, migrations_dir: Path, prefix: str) -> str:
    """A fresh database migrated to head by the service's own Alembic scripts."""
    from jxc.platform.db import upgrade_to_head

    url = infra.fresh_database(prefix)
    await asyncio.to_thread(upgrade_to_head, migrations_dir, url)
    return url


class OtlpReceiver:
    """A real OTLP/HTTP trace receiver on loopback that keeps every span it is sent."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        self.spans: list[dict[str, Any]] = []
        lock = threading.Lock()
        spans = self.spans

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                with lock:
                    for resource_spans in request.resource_spans:
                        resource = {a.key: a.value.string_value
                                    for a in resource_spans.resource.attributes}
                        for scope in resource_spans.scope_spans:
                            for span in scope.spans:
                                spans.append({
                                    "name": span.name, "kind": span.kind,
                                    "trace_id": span.trace_id.hex(),
                                    "span_id": span.span_id.hex(),
                                    "parent_span_id": span.parent_span_id.hex(),
                                    "service": resource.get("service.name"),
                                    "attributes": {a.key: a.value.string_value
                                                   for a in span.attributes}})
                payload = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts."""

    host: str
    port: int
    messages: list[Any]
    """``email.message.EmailMessage`` each, in arrival order."""


@contextlib.asynccontextmanager
async def smtp_server() -> AsyncIterator[SmtpServer]:
    """Run an aiosmtpd server on 127.0.0.1 and a free port until the block ends."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    messages: list[Any] = []

    class Keeper:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                               policy=policy.default))
            return "250 Message accepted for delivery"

    port = free_port()
    controller = Controller(Keeper(), hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        yield SmtpServer("127.0.0.1", port, messages)
    finally:
        await asyncio.to_thread(controller.stop)
