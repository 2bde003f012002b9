"""reporting's read models, in reporting's own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class ReportingModel(SQLModel, registry=registry()):
    pass


class ProductDimension(ReportingModel, table=True):
    """The product dimension every report groups by, kept from inventory."""

    __tablename__ = "product_dim"

    product_id: uuid.UUID = Field(primary_key=True)
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    active: bool
    version: int
    synced_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now(),
                                                 onupdate=func.now()))


metadata = ReportingModel.metadata
