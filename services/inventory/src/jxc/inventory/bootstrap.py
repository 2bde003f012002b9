"""Wires inventory: settings, routers, consumers, the stock watch, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.inventory.entrypoints import catalogue_api, consumers, counts_api, stock_api
from jxc.inventory.service_layer.watch import watch
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import Runtime, ServiceSpec

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: InventorySettings | None = None) -> ServiceSpec:
    settings = settings or InventorySettings()

    async def stock_watch(runtime: Runtime) -> None:
        await watch(runtime, every=settings.watch_interval_seconds,
                    warning_days=settings.expiry_warning_days)

    return ServiceSpec(
        settings=settings,
        title="JXC inventory",
        routers=[catalogue_api.router, stock_api.router, counts_api.router],
        consumers=[consumers.commands, consumers.supply],
        on_start=[stock_watch],
        migrations_dir=MIGRATIONS,
    )
