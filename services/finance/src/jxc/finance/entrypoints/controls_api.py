"""The lock date and the year-end close."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from jxc.finance.entrypoints.schemas import Cents
from jxc.finance.service_layer import controls
from jxc.platform.api import Page, SessionDep
from jxc.platform.auth import require

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])


class LockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lock_date: date | None
    """Nothing dated on or before it posts; null lifts the lock."""


class LockOut(BaseModel):
    lock_date: date | None
    updated_at: datetime


@router.get("/lock-date", dependencies=[require("finance:read")],
            summary="The ledger's lock date")
async def get_lock_date(session: SessionDep) -> LockOut:
    lock = await controls.get_lock(session)
    return LockOut(lock_date=lock.lock_date, updated_at=lock.updated_at)


@router.put("/lock-date", dependencies=[require("finance:close")],
            summary="Set the lock date: nothing on or before it posts, whatever its month")
async def set_lock_date(body: LockIn, session: SessionDep) -> LockOut:
    lock = await controls.set_lock_date(session, body.lock_date)
    await session.commit()
    return LockOut(lock_date=lock.lock_date, updated_at=lock.updated_at)


class YearOut(BaseModel):
    year: int
    profit: Cents
    """The year's net profit carried to 4104 (negative: a loss)."""
    entries: list[str]
    closed_at: datetime


def _out(year: controls.ClosedYear) -> YearOut:
    return YearOut(year=year.year, profit=year.profit, entries=list(year.entries),
                   closed_at=year.closed_at)


@router.get("/years", dependencies=[require("finance:read")], summary="Closed fiscal years")
async def list_years(session: SessionDep) -> Page[YearOut]:
    return Page(items=[_out(y) for y in await controls.closed_years(session)])


@router.post("/years/{year}/close", dependencies=[require("finance:close")],
             summary="年结: carry the year's profit into 4103 and 4104 and lock the year")
async def close_year(year: int, session: SessionDep) -> YearOut:
    closed = await controls.close_year(session, year)
    await session.commit()
    return _out(closed)
