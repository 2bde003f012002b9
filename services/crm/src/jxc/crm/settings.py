from __future__ import annotations

from jxc.platform.settings import ServiceSettings


class CrmSettings(ServiceSettings):
    service_name: str = "crm"
    http_port: int = 8106
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/crm"
