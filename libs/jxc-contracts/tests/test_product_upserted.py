"""ProductUpserted v1 grew catalogue fields with defaults: payloads written
before them still parse, and unit factors travel exactly."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from pydantic import ValidationError

from jxc.contracts.base import decode
from jxc.contracts.inventory import ProductUpserted, UnitConversion

OLD_PAYLOAD = {"product_id": str(uuid.uuid4()), "sku": "TEA-001", "name": "Tea", "unit": "box",
               "barcode": "4006381333931", "costing_method": "average",
               "sale_price": "88.5000", "currency": "CNY", "tax_rate": "0.1300",
               "active": True, "version": 3}


def test_a_payload_from_before_the_catalogue_fields_still_parses() -> None:
    event = decode(ProductUpserted.type_name, OLD_PAYLOAD)
    assert isinstance(event, ProductUpserted)
    assert event.barcode == "4006381333931"
    assert event.barcodes == ()
    assert event.units == ()
    assert event.category_id is None
    assert event.lot_tracked is False
    assert event.shelf_life_days is None


def test_catalogue_fields_round_trip() -> None:
    category = uuid.uuid4()
    event = ProductUpserted.model_validate({
        **OLD_PAYLOAD, "barcodes": ["4006381333931", "14006381333938"],
        "category_id": str(category), "lot_tracked": True, "shelf_life_days": 365,
        "units": [{"unit": "箱", "factor": "12"}, {"unit": "克", "factor": "0.000001"}]})
    wire = event.model_dump(mode="json")
    assert wire["units"] == [{"unit": "箱", "factor": "12.000000"},
                             {"unit": "克", "factor": "0.000001"}]
    assert wire["category_id"] == str(category)
    again = ProductUpserted.model_validate(wire)
    assert again == event
    assert again.units[1] == UnitConversion(unit="克", factor=Decimal("0.000001"))


@pytest.mark.parametrize(("field", "value"), [
    ("units", [{"unit": "箱", "factor": "0"}]), ("shelf_life_days", 0)])
def test_bad_catalogue_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        ProductUpserted.model_validate({**OLD_PAYLOAD, field: value})
