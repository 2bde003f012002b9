"""Shapes shared by finance's routers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer

Cents = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str,
                                           when_used="json")]
"""Ledger money: Decimal in Python, a 2-decimal string on the wire ("1080.00")."""
