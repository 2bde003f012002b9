"""Revision 0003 turns each user's permission list into roles (``*`` is the
built-in admin role) and back on the way down."""

from __future__ import annotations

import asyncio
import json
import uuid

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from jxc.identity.bootstrap import MIGRATIONS
from jxc.platform.db.migrations import alembic_config
from jxc.platform.testing import Infrastructure


async def test_permission_lists_become_roles_and_back(infra: Infrastructure) -> None:
    url = infra.fresh_database("identity_0003")
    config = alembic_config(MIGRATIONS, url)
    engine = create_async_engine(url)
    admin, clerk, nobody = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        await asyncio.to_thread(command.upgrade, config, "0002")
        async with engine.begin() as conn:
            for user_id, name, permissions in ((admin, "root", ["*"]),
                                               (clerk, "clerk", ["inventory:read", "sales:read"]),
                                               (nobody, "nobody", [])):
                await conn.execute(text(
                    "INSERT INTO app_user (id, username, display_name, password_hash, "
                    "permissions, active) VALUES (:id, :n, :n, 'x', CAST(:p AS jsonb), true)"),
                    {"id": user_id, "n": name, "p": json.dumps(permissions)})
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as conn:
            held = dict((await conn.execute(text(
                "SELECT u.username, r.name FROM user_role ur JOIN app_user u ON u.id = "
                "ur.user_id JOIN role r ON r.id = ur.role_id"))).all())
            legacy = (await conn.execute(text(
                "SELECT permissions FROM role WHERE name = :n"),
                {"n": held["clerk"]})).scalar_one()
            version = (await conn.execute(text(
                "SELECT version FROM app_user WHERE id = :id"), {"id": clerk})).scalar_one()
        assert held["root"] == "admin" and "nobody" not in held
        assert held["clerk"].startswith("legacy-")
        assert legacy == ["inventory:read", "sales:read"] and version == 1

        await asyncio.to_thread(command.downgrade, config, "0002")
        async with engine.connect() as conn:
            back = dict((await conn.execute(text(
                "SELECT username, permissions FROM app_user"))).all())
        assert back == {"root": ["*"], "clerk": ["inventory:read", "sales:read"],
                        "nobody": []}
    finally:
        await engine.dispose()


async def test_builtin_roles_get_procurement_permissions_and_lose_them(
        infra: Infrastructure) -> None:
    url = infra.fresh_database("identity_0006")
    config = alembic_config(MIGRATIONS, url)
    engine = create_async_engine(url)

    async def permissions(role: str) -> list[str]:
        async with engine.connect() as conn:
            held: list[str] = (await conn.execute(text(
                "SELECT permissions FROM role WHERE name = :n"), {"n": role})).scalar_one()
        return held

    try:
        await asyncio.to_thread(command.upgrade, config, "head")
        assert "procurement:requisition" in await permissions("buyer")
        manager = await permissions("manager")
        assert {"procurement:approve_high", "procurement:manage",
                "procurement:approve"} <= set(manager)
        assert len(manager) == len(set(manager))

        await asyncio.to_thread(command.downgrade, config, "0005")
        assert "procurement:requisition" not in await permissions("buyer")
        assert "procurement:approve_high" not in await permissions("manager")
        assert "procurement:approve" in await permissions("manager")
    finally:
        await engine.dispose()
