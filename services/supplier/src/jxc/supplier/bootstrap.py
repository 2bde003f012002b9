"""Wires supplier: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.platform.app import ServiceSpec
from jxc.supplier.entrypoints import (
    api,
    consumers,
    interactions_api,
    prices_api,
    scorecard_api,
)
from jxc.supplier.settings import SupplierSettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: SupplierSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or SupplierSettings(),
        title="JXC supplier",
        routers=[api.router, prices_api.router, interactions_api.router,
                 scorecard_api.router],
        consumers=[consumers.catalogue, consumers.scorecard],
        migrations_dir=MIGRATIONS,
    )
