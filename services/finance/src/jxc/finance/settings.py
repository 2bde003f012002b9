from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class FinanceSettings(ServiceSettings):
    service_name: str = "finance"
    http_port: int = 8105
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/finance"
