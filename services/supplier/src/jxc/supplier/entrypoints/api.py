"""supplier's HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from jxc.platform.api import Code, Email
from jxc.platform.record_routes import add_record_routes
from jxc.supplier.service_layer.suppliers import suppliers

router = APIRouter(prefix="/api/v1/supplier", tags=["supplier"])


class SupplierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    contact: str | None = Field(default=None, max_length=100)
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    category: str | None = Field(default=None, max_length=50)


class SupplierPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    contact: str | None = Field(default=None, max_length=100)
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    category: str | None = Field(default=None, max_length=50)
    active: bool | None = None


class SupplierOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    email: str | None
    phone: str | None
    contact: str | None
    payment_terms_days: int
    category: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


add_record_routes(router, "/suppliers", suppliers, create_body=SupplierIn,
                  patch_body=SupplierPatch, out=SupplierOut,
                  read="supplier:read", write="supplier:write")
