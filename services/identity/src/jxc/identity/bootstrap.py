"""Wires identity. It verifies its own tokens from its own database rather
than over HTTP to itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jxc.identity.entrypoints import api, api_keys_api, audit_api, consumers, org_api, users_api
from jxc.identity.service_layer import auth
from jxc.identity.settings import IdentitySettings
from jxc.platform.app import Runtime, ServiceSpec

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def _own_jwks(runtime: Runtime) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def fetch() -> dict[str, Any]:
        async with runtime.db.session() as session:
            return await auth.jwks(session)
    return fetch


async def _bootstrap(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, IdentitySettings)
    await auth.bootstrap(runtime.db, settings)


def build(settings: IdentitySettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or IdentitySettings(),
        title="JXC identity",
        routers=[api.router, users_api.router, org_api.router, api_keys_api.router,
                 audit_api.router, api.public],
        consumers=[consumers.directory, consumers.audit],
        migrations_dir=MIGRATIONS,
        on_start=[_bootstrap],
        jwks_fetcher=_own_jwks,
    )
