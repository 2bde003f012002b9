from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class ProcurementSettings(ServiceSettings):
    service_name: str = "procurement"
    http_port: int = 8103
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/procurement"
