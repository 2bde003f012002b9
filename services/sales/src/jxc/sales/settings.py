from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class SalesSettings(ServiceSettings):
    service_name: str = "sales"
    http_port: int = 8104
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sales"
