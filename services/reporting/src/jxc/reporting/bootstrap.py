"""Wires reporting: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.platform.app import ServiceSpec
from jxc.reporting.entrypoints import api, consumers
from jxc.reporting.settings import ReportingSettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: ReportingSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or ReportingSettings(),
        title="JXC reporting",
        routers=[api.router],
        consumers=[consumers.projections],
        migrations_dir=MIGRATIONS,
    )
