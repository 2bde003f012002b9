import uuid
from decimal import Decimal

import pytest

from jxc.inventory.domain.products import CostingMethod, Product, ProductRuleBroken
from jxc.inventory.domain.units import UnitConversion


def product(**changes: object) -> Product:
    fields: dict[str, object] = {"sku": "TEA-001", "name": "Tea", "unit": "box"}
    return Product(**{**fields, **changes})  # type: ignore[arg-type]


def test_defaults() -> None:
    p = product()
    assert p.costing_method is CostingMethod.AVERAGE
    assert p.tax_rate == Decimal("0.13")
    assert p.version == 1


@pytest.mark.parametrize(("field", "value"), [
    ("sku", "has space"), ("sku", ""), ("name", "  "), ("unit", ""),
    ("sale_price", Decimal("-0.01")), ("tax_rate", Decimal("1")), ("tax_rate", Decimal("-0.1")),
])
def test_rules(field: str, value: object) -> None:
    with pytest.raises(ProductRuleBroken) as broken:
        product(**{field: value})
    assert broken.value.field == field


def test_change_bumps_version_and_keeps_unset_fields() -> None:
    changed = product(sale_price=Decimal("10")).changed(name="Green tea", sale_price=None)
    assert changed.name == "Green tea"
    assert changed.sale_price == Decimal("10")
    assert changed.version == 2


def test_sku_is_immutable() -> None:
    with pytest.raises(ProductRuleBroken):
        product().changed(sku="OTHER")


def catalogue(**changes: object) -> Product:
    fields: dict[str, object] = {
        "unit": "个", "barcodes": ("036000291452", "10036000291459", "0036000291452"),
        "units": (UnitConversion("箱", Decimal(12)),),
        "barcode_units": (("10036000291459", "箱"),)}
    return product(**{**fields, **changes})


def test_barcodes_are_normalised_deduplicated_and_the_first_is_primary() -> None:
    p = catalogue()
    assert p.barcodes == ("0036000291452", "10036000291459")
    assert p.barcode == "0036000291452"
    assert p.barcode_unit("10036000291459") == "箱"
    assert p.barcode_unit("0036000291452") == "个"
    assert p.to_base(Decimal(2), "箱") == Decimal(24)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"barcodes": ("4006381333932",)}, "barcodes", "check digit"),
    ({"barcode_units": (("036000291452", "桶"),)}, "barcodes", "桶"),
    ({"units": (UnitConversion("个", Decimal(1)),), "barcode_units": ()}, "units", "base unit"),
    ({"shelf_life_days": 30}, "shelf_life_days", "lot tracking"),
    ({"shelf_life_days": 0, "lot_tracked": True}, "shelf_life_days", "whole number"),
    ({"sale_price": Decimal("1.00001")}, "sale_price", "decimal places"),
    ({"currency": "cny"}, "currency", "ISO 4217"),
    ({"name": "x" * 201}, "name", "200"),
])
def test_catalogue_rules(changes: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ProductRuleBroken, match=message) as broken:
        catalogue(**changes)
    assert broken.value.field == field


def test_to_base_names_an_unknown_unit() -> None:
    with pytest.raises(ProductRuleBroken, match="'桶'") as broken:
        catalogue().to_base(Decimal(1), "桶")
    assert broken.value.field == "unit"


def test_lot_tracking_with_shelf_life() -> None:
    p = catalogue(lot_tracked=True, shelf_life_days=180)
    assert p.shelf_life_days == 180
    with pytest.raises(ProductRuleBroken):
        p.changed(lot_tracked=False)
    assert p.changed(lot_tracked=False, shelf_life_days=None).shelf_life_days is None


def test_barcode_changes() -> None:
    p = catalogue()
    primary = p.changed(barcode="4006381333931")
    assert primary.barcodes == ("4006381333931", "10036000291459")
    assert primary.barcode_unit("10036000291459") == "箱"
    assert p.changed(barcode=None).barcodes == ("10036000291459",)
    replaced = p.changed(barcodes=("96385074",))
    assert replaced.barcodes == ("96385074",)
    assert replaced.barcode_units == ()
    assert p.changed(barcodes=None).barcodes == ()


def test_nullable_fields_clear_and_others_keep() -> None:
    category = uuid.uuid4()
    p = catalogue(category_id=category)
    assert p.changed(name=None).category_id == category
    assert p.changed(category_id=None).category_id is None
    assert p.changed(units=None, barcode_units=None).units == ()


def test_removing_a_unit_a_barcode_counts_is_refused() -> None:
    with pytest.raises(ProductRuleBroken) as broken:
        catalogue().changed(units=())
    assert broken.value.field == "barcodes"
