"""Wires sales: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jxc.platform.app import Role, ServiceSpec, create_app
from jxc.sales.entrypoints import api, consumers
from jxc.sales.settings import SalesSettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: SalesSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or SalesSettings(),
        title="JXC sales",
        routers=[api.router],
        consumers=[consumers.catalogue],
        migrations_dir=MIGRATIONS,
    )


def app(settings: SalesSettings | None = None, role: Role = "all") -> FastAPI:
    return create_app(build(settings), role)
