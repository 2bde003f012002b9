from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from jxc.finance.domain.matching import Tolerances
from jxc.platform.settings import ServiceSettings

Invoicing = Literal["per_shipment", "on_demand"]


class FinanceSettings(ServiceSettings):
    service_name: str = "finance"
    http_port: int = 8105
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/finance"
    invoicing: Invoicing = "per_shipment"
    """``per_shipment``: each SalesOrderShipped is invoiced at once;
    ``on_demand``: shipments wait for ``POST /invoices/from-shipments``
    (``JXC_INVOICING``)."""
    bill_quantity_tolerance_pct: Decimal = Field(default=Decimal(0), ge=0)
    """How far a bill may go above the quantity received, in percent of it."""
    bill_price_tolerance_pct: Decimal = Field(default=Decimal(2), ge=0)
    """How far a bill's unit price may go above the order's, in percent."""

    def bill_tolerances(self) -> Tolerances:
        return Tolerances(self.bill_quantity_tolerance_pct, self.bill_price_tolerance_pct)
