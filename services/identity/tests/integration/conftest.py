"""A running identity service (api and worker roles in one process) on a
freshly migrated database, real Redis and the real broker; its audit
consumer under a group name of the test's own."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from jxc.contracts import topics
from jxc.contracts.base import Message
from jxc.contracts.inventory import WarehouseUpserted
from jxc.identity.bootstrap import MIGRATIONS, build
from jxc.identity.entrypoints import consumers
from jxc.identity.settings import IdentitySettings
from jxc.platform.app import create_app
from jxc.platform.bus import EventConsumer
from jxc.platform.db import Database
from jxc.platform.envelope import build_headers, encode_headers, new_id
from jxc.platform.testing import Infrastructure, eventually, migrated_database, serving, unique

ADMIN_PASSWORD = "first-admin-pass"
PASSWORD = "Tea-garden-2026"


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Identity:
    client: httpx.AsyncClient
    db: Database
    settings: IdentitySettings
    infra: Infrastructure
    admin: dict[str, str] = field(default_factory=dict)

    async def login(self, username: str, password: str, expect: int = 200,
                    **form: str) -> dict[str, Any]:
        response = await self.client.post("/api/v1/identity/token", data={
            "username": username, "password": password, **form})
        assert response.status_code == expect, response.text
        return response.json()  # type: ignore[no-any-return]

    async def user(self, username: str | None = None, *, roles: list[str] | None = None,
                   password: str = PASSWORD, must_change_password: bool = False,
                   **fields: Any) -> dict[str, Any]:
        response = await self.client.post("/api/v1/identity/users", headers=self.admin, json={
            "username": username or unique("user"), "display_name": "Test user",
            "password": password, "roles": roles or [],
            "must_change_password": must_change_password, **fields})
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def headers_for(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        return bearer((await self.login(username, password))["access_token"])

    async def branch(self, code: str | None = None, **fields: Any) -> str:
        response = await self.client.post("/api/v1/identity/branches", headers=self.admin,
                                          json={"code": code or unique("B"), "name": "分公司",
                                                **fields})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        async with self.db.transaction() as session:
            result = await session.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []

    async def audit(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get("/api/v1/identity/audit", headers=self.admin,
                                         params={"limit": 500, **params})
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    async def audited(self, action: str, what: Callable[[dict[str, Any]], bool] = lambda _: True,
                      **params: Any) -> dict[str, Any]:
        """Wait until the chain holds a record of ``action`` matching ``what``."""
        async def found() -> dict[str, Any] | None:
            return next((r for r in await self.audit(action=action, **params) if what(r)), None)
        return await eventually(found, timeout=90, what=f"audit record {action}")  # type: ignore[no-any-return]


async def publish(bootstrap: str, *messages: Message, event_id: uuid.UUID | None = None) -> None:
    """Put messages on the bus as a service's outbox relay would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for message in messages:
            headers = build_headers(message, event_id=event_id or new_id())
            await producer.send_and_wait(message.topic, json.dumps(
                message.model_dump(mode="json")).encode(), key=message.partition_key().encode(),
                headers=encode_headers(headers))
    finally:
        await producer.stop()


def warehouse(branch_id: str | None, code: str | None = None) -> WarehouseUpserted:
    return WarehouseUpserted(warehouse_id=new_id(), code=code or unique("W")[-30:],
                             name="仓库", branch_id=uuid.UUID(branch_id) if branch_id else None,
                             active=True, version=1)


def settings_for(infra: Infrastructure, url: str, **overrides: Any) -> IdentitySettings:
    return IdentitySettings(database_url=url, kafka_bootstrap=infra.kafka_bootstrap,
                            redis_url=infra.redis_url, admin_password=ADMIN_PASSWORD,
                            lockout_key_prefix=unique("jxc:identity"), outbox_poll_seconds=0.2,
                            **overrides)


def directory_consumer() -> EventConsumer:
    consumer = EventConsumer(unique("identity.directory"), [topics.INVENTORY_EVENTS])
    consumer.on(WarehouseUpserted)(consumers.keep_warehouse)
    return consumer


@contextlib.asynccontextmanager
async def running_identity(infra: Infrastructure, **overrides: Any) -> AsyncIterator[Identity]:
    url = await migrated_database(infra, MIGRATIONS, "identity")
    settings = settings_for(infra, url, **overrides)
    spec = build(settings)
    spec.consumers = [directory_consumer(), consumers.audit_consumer(unique("identity.audit"))]
    db = Database(url)
    async with serving(create_app(spec, role="all")) as base, \
            httpx.AsyncClient(base_url=base, timeout=60) as client:
        identity = Identity(client, db, settings, infra)

        async def admin_token() -> str | None:
            response = await client.post("/api/v1/identity/token", data={
                "username": "admin", "password": ADMIN_PASSWORD})
            return response.json()["access_token"] if response.status_code == 200 else None
        identity.admin = bearer(await eventually(admin_token, what="the bootstrap admin"))
        try:
            yield identity
        finally:
            await db.dispose()


@pytest.fixture
async def identity(infra: Infrastructure) -> AsyncIterator[Identity]:
    async with running_identity(infra) as running:
        yield running
