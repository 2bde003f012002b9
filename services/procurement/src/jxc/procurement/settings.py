from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from jxc.platform.settings import ServiceSettings


class ProcurementSettings(ServiceSettings):
    service_name: str = "procurement"
    http_port: int = 8103
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/procurement"
    over_receipt_tolerance_pct: Decimal = Field(default=Decimal(0), ge=0, le=1000)
    """How far a receipt may go above an order line's quantity, in percent of
    it (``JXC_OVER_RECEIPT_TOLERANCE_PCT``); an order may override it."""
