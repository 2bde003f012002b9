"""Wires finance: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.finance.entrypoints import (
    api,
    consumers,
    controls_api,
    documents_api,
    ledger_api,
    matching_api,
    reports_api,
)
from jxc.finance.settings import FinanceSettings
from jxc.platform.app import ServiceSpec

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: FinanceSettings | None = None) -> ServiceSpec:
    settings = settings or FinanceSettings()
    return ServiceSpec(
        settings=settings,
        title="JXC finance",
        routers=[api.router, ledger_api.router, matching_api.router, documents_api.router,
                 reports_api.router, controls_api.router],
        consumers=[consumers.credit, consumers.postings_for(settings),
                   consumers.commands],
        migrations_dir=MIGRATIONS,
    )
