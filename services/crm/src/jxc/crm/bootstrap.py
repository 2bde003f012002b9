"""Wires crm: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.crm.entrypoints import api, consumers
from jxc.crm.settings import CrmSettings
from jxc.platform.app import ServiceSpec

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: CrmSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or CrmSettings(),
        title="JXC crm",
        routers=[api.router],
        consumers=[consumers.sales_activity],
        migrations_dir=MIGRATIONS,
    )
