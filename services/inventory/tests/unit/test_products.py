from decimal import Decimal

import pytest

from jxc.inventory.domain.products import CostingMethod, Product, ProductRuleBroken


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
