"""finance's HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from jxc.contracts.base import Money
from jxc.finance.adapters.tables import CustomerCredit
from jxc.platform.api import SessionDep
from jxc.platform.auth import require
from jxc.platform.errors import NotFound

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])


class CreditOut(BaseModel):
    customer_id: uuid.UUID
    code: str
    name: str
    credit_limit: Money | None
    currency: str
    payment_terms_days: int | None
    """None: invoices are due in the default 30 days."""
    active: bool
    version: int
    synced_at: datetime


@router.get("/customers/{customer_id}/credit", dependencies=[require("finance:read")],
            summary="A customer's credit limit as finance knows it")
async def customer_credit(customer_id: uuid.UUID, session: SessionDep) -> CreditOut:
    row = await session.get(CustomerCredit, customer_id)
    if row is None:
        raise NotFound(f"finance knows no customer {customer_id}")
    return CreditOut.model_validate(row, from_attributes=True)
