"""Wires finance: settings, routers, consumers, migrations."""

from __future__ import annotations

from pathlib import Path

from jxc.finance.entrypoints import api, consumers, documents_api, ledger_api, reports_api
from jxc.finance.settings import FinanceSettings
from jxc.platform.app import ServiceSpec

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build(settings: FinanceSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or FinanceSettings(),
        title="JXC finance",
        routers=[api.router, ledger_api.router, documents_api.router, reports_api.router],
        consumers=[consumers.credit, consumers.postings, consumers.commands],
        migrations_dir=MIGRATIONS,
    )
