"""supplier's HTTP API for scorecards and the spend classification."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from jxc.contracts.base import Money, Quantity
from jxc.platform.api import SessionDep
from jxc.platform.auth import require
from jxc.platform.errors import InvalidInput
from jxc.supplier.adapters.suppliers import supplier_for_share
from jxc.supplier.domain.classification import months_before
from jxc.supplier.domain.scorecard import ScoreSums
from jxc.supplier.service_layer import classification, scorecard

router = APIRouter(prefix="/api/v1/supplier", tags=["supplier performance"])


class ScoreOut(BaseModel):
    deliveries: int
    promised_deliveries: int
    on_time_deliveries: int
    ordered_quantity: Quantity
    filled_quantity: Quantity
    accepted_quantity: Quantity
    rejected_quantity: Quantity
    returned_quantity: Quantity
    on_time_rate: Decimal | None
    fill_rate: Decimal | None
    quality_acceptance_rate: Decimal | None
    price_variance: Decimal | None
    average_lead_time_days: Decimal | None

    @classmethod
    def of(cls, sums: ScoreSums) -> ScoreOut:
        rates = sums.rates()
        return cls(deliveries=sums.deliveries, promised_deliveries=sums.promised_deliveries,
                   on_time_deliveries=sums.on_time_deliveries,
                   ordered_quantity=sums.ordered_quantity, filled_quantity=sums.filled_quantity,
                   accepted_quantity=sums.accepted_quantity,
                   rejected_quantity=sums.rejected_quantity,
                   returned_quantity=sums.returned_quantity,
                   on_time_rate=rates.on_time_rate, fill_rate=rates.fill_rate,
                   quality_acceptance_rate=rates.quality_acceptance_rate,
                   price_variance=rates.price_variance,
                   average_lead_time_days=rates.average_lead_time_days)


class MonthScoreOut(ScoreOut):
    month: str


class ScorecardOut(BaseModel):
    supplier_id: uuid.UUID
    from_: date = Field(serialization_alias="from")
    to: date
    totals: ScoreOut
    history: list[MonthScoreOut]


class ClassifiedOut(BaseModel):
    supplier_id: uuid.UUID
    code: str
    name: str
    category: str | None
    status: str
    spend: Money
    share: Decimal
    cumulative_share: Decimal
    spend_class: Literal["A", "B", "C"]


class ClassificationOut(BaseModel):
    since: date
    months: int
    category: str | None
    suppliers: list[ClassifiedOut]


@router.get("/suppliers/{supplier_id}/scorecard", dependencies=[require("supplier:read")],
            summary="On-time, fill, quality, price variance and lead time, with monthly history "
                    "(rates in percent)")
async def get_scorecard(
        supplier_id: uuid.UUID, session: SessionDep,
        from_: Annotated[date | None, Query(alias="from",
                                            description="default: 12 months ago")] = None,
        to: Annotated[date | None, Query(description="inclusive; default: today")] = None,
) -> ScorecardOut:
    today = datetime.now(UTC).date()
    end = to or today
    start = from_ or months_before(end, 12)
    if start > end:
        raise InvalidInput("from is after to", errors=[
            {"field": "from", "in": "query", "message": "must not be after to"}])
    await supplier_for_share(session, supplier_id)
    months = await scorecard.monthly(session, supplier_id, start, end)
    totals = sum(months.values(), ScoreSums())
    return ScorecardOut(
        supplier_id=supplier_id, from_=start, to=end, totals=ScoreOut.of(totals),
        history=[MonthScoreOut(month=month, **ScoreOut.of(sums).model_dump())
                 for month, sums in months.items()])


@router.get("/classification", dependencies=[require("supplier:read")],
            summary="Suppliers by spend: A (first 80 %), B (next 15 %), C (the rest)")
async def get_classification(
        session: SessionDep,
        months: Annotated[int, Query(ge=1, le=120)] = 12,
        category: Annotated[str | None, Query(max_length=50,
                                              description="classify within a category")] = None,
) -> ClassificationOut:
    since, ranked = await classification.by_spend(session, months, datetime.now(UTC).date(),
                                                  category)
    return ClassificationOut(since=since, months=months, category=category, suppliers=[
        ClassifiedOut(supplier_id=item.supplier_id, code=row.code, name=row.name,
                      category=row.category, status=row.status, spend=item.spend,
                      share=item.share.quantize(Decimal("0.0001")),
                      cumulative_share=item.cumulative_share.quantize(Decimal("0.0001")),
                      spend_class=item.spend_class)
        for item, row in ranked])
