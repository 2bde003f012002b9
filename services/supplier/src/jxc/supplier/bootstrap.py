"""Wires supplier: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.platform.app import ServiceSpec
from jxc.supplier.entrypoints import api, consumers
from jxc.supplier.settings import SupplierSettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: SupplierSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or SupplierSettings(),
        title="JXC supplier",
        routers=[api.router],
        consumers=[consumers.deliveries],
        migrations_dir=MIGRATIONS,
    )
