"""Wires procurement: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.platform.app import ServiceSpec
from jxc.procurement.entrypoints import api, consumers
from jxc.procurement.settings import ProcurementSettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: ProcurementSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or ProcurementSettings(),
        title="JXC procurement",
        routers=[api.router],
        consumers=[consumers.catalogue],
        migrations_dir=MIGRATIONS,
    )
