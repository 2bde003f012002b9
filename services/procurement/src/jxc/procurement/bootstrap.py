"""Wires procurement: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.platform.app import ServiceSpec
from jxc.procurement.entrypoints import (
    api,
    consumers,
    costs_api,
    orders_api,
    requisitions_api,
)
from jxc.procurement.settings import ProcurementSettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: ProcurementSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or ProcurementSettings(),
        title="JXC procurement",
        routers=[api.router, requisitions_api.router, costs_api.router, orders_api.router],
        consumers=[consumers.catalogue, consumers.suppliers],
        migrations_dir=MIGRATIONS,
    )
