from decimal import Decimal

import pytest

from jxc.inventory.domain.units import (
    UnitConversion,
    UnitRuleBroken,
    UnitSet,
    UnitUnknown,
    parse_conversions,
)

D = Decimal


def pieces() -> UnitSet:
    return UnitSet("个", (UnitConversion("箱", D(12)), UnitConversion("打", D(12)),
                         UnitConversion("半箱", D(6))))


def test_to_base_is_exact() -> None:
    units = pieces()
    assert units.to_base(D(3), "箱") == D(36)
    assert units.to_base(D("2.5"), "打") == D(30)
    assert units.to_base(D(7), "个") == D(7)
    grams = UnitSet("千克", (UnitConversion("克", D("0.001")),))
    assert grams.to_base(D(1), "克") == D("0.001")
    assert grams.to_base(D("123456789012345.1234"), "克") == D("123456789012.3451234")


def test_large_quantities_keep_every_digit() -> None:
    units = UnitSet("个", (UnitConversion("托", D("999999999999.999999")),))
    result = units.to_base(D("99999999999999.9999"), "托")
    assert str(result) == "99999999999999999800000000.0000000001"
    # Decimal's default 28-digit context would have rounded the last digit away.
    assert result != D("99999999999999.9999") * D("999999999999.999999")


def test_unknown_unit_names_it() -> None:
    with pytest.raises(UnitUnknown, match="'桶'") as unknown:
        pieces().to_base(D(1), "桶")
    assert unknown.value.unit == "桶"
    assert "个, 箱, 打, 半箱" in str(unknown.value)


@pytest.mark.parametrize(("unit", "factor", "message"), [
    ("箱", D(0), "greater than 0"), ("箱", D(-12), "greater than 0"),
    ("箱", D("NaN"), "greater than 0"), ("箱", D("0.0000001"), "decimal places"),
    ("箱", D("1e13"), "too large"), ("", D(1), "blank"), ("a=b", D(1), "may not contain"),
    ("x" * 21, D(1), "longer than 20"),
])
def test_bad_conversions(unit: str, factor: Decimal, message: str) -> None:
    with pytest.raises(UnitRuleBroken, match=message):
        UnitConversion(unit, factor)


def test_a_unit_appears_once_and_never_converts_the_base() -> None:
    with pytest.raises(UnitRuleBroken, match="base unit"):
        UnitSet("个", (UnitConversion("个", D(1)),))
    with pytest.raises(UnitRuleBroken, match="twice"):
        UnitSet("个", (UnitConversion("箱", D(12)), UnitConversion("箱", D(24))))


def test_parse_conversions() -> None:
    assert parse_conversions("箱=12| 打 = 12 |") == (UnitConversion("箱", D(12)),
                                                    UnitConversion("打", D(12)))
    assert parse_conversions("") == ()
    with pytest.raises(UnitRuleBroken, match="unit=factor"):
        parse_conversions("箱12")
    with pytest.raises(UnitRuleBroken, match="not a number"):
        parse_conversions("箱=twelve")
    assert str(UnitConversion("箱", D("12.000000"))) == "箱=12"
