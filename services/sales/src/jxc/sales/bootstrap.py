"""Wires sales: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.platform.app import ServiceSpec
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
