"""Wires inventory: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.inventory.entrypoints import api, consumers
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import ServiceSpec

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: InventorySettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or InventorySettings(),
        title="JXC inventory",
        routers=[api.router],
        consumers=[consumers.commands],
        migrations_dir=MIGRATIONS,
    )
