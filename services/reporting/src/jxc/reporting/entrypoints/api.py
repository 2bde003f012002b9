"""reporting's HTTP API."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import func, select

from jxc.platform.api import SessionDep
from jxc.platform.auth import require
from jxc.reporting.adapters.tables import ProductDimension

router = APIRouter(prefix="/api/v1/reporting", tags=["reporting"])


class CatalogueSummary(BaseModel):
    products: int
    active_products: int
    last_change_at: datetime | None


@router.get("/catalogue", dependencies=[require("reporting:read")],
            summary="How many products the catalogue holds, as reporting has seen them")
async def catalogue(session: SessionDep) -> CatalogueSummary:
    row = (await session.execute(select(
        func.count(), func.count().filter(ProductDimension.active),
        func.max(ProductDimension.synced_at)))).one()
    return CatalogueSummary(products=row[0], active_products=row[1], last_change_at=row[2])
