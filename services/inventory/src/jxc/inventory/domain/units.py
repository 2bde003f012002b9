"""Units of measure: a product's base unit and the units it is also counted in.

Stock is always kept in the base unit (个). A conversion says how many base
units one of another unit holds (箱 = 12 个, 打 = 12 个, 克 = 0.001 千克).
Converting is exact Decimal arithmetic: never a float, never rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, Inexact, InvalidOperation, localcontext

MAX_UNIT_LENGTH = 20
FACTOR_PLACES = 6
"""A factor has at most this many decimal places (how it is stored)."""
FACTOR_INTEGER_DIGITS = 12
RESERVED = frozenset("=|,;")
"""Characters a unit may not contain: the bulk import's separators."""


class UnitRuleBroken(ValueError):
    """A unit or conversion is not acceptable; ``field`` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class UnitUnknown(UnitRuleBroken):
    """A quantity was given in a unit the product is not counted in."""

    def __init__(self, unit: str, known: Iterable[str]):
        names = ", ".join(known)
        super().__init__("unit", f"unknown unit {unit!r} for this product; it is counted in "
                                 f"{names}")
        self.unit = unit


def check_unit_name(unit: str, field: str = "unit") -> str:
    """The unit's name without surrounding spaces, or :class:`UnitRuleBroken`."""
    name = unit.strip()
    if not name:
        raise UnitRuleBroken(field, "a unit must not be blank")
    if len(name) > MAX_UNIT_LENGTH:
        raise UnitRuleBroken(field, f"unit {name!r} is longer than {MAX_UNIT_LENGTH} characters")
    if any(char in RESERVED for char in name):
        raise UnitRuleBroken(field, f"unit {name!r} may not contain any of = | , ;")
    return name


@dataclass(frozen=True)
class UnitConversion:
    """One ``unit`` holds ``factor`` base units."""

    unit: str
    factor: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", check_unit_name(self.unit, "units"))
        factor = self.factor
        if not isinstance(factor, Decimal):
            raise UnitRuleBroken("units", f"the factor of {self.unit!r} must be a Decimal")
        if not factor.is_finite() or factor <= 0:
            raise UnitRuleBroken("units", f"the factor of {self.unit!r} must be a number "
                                          "greater than 0")
        exponent = factor.normalize().as_tuple().exponent
        assert isinstance(exponent, int)  # finite
        if -exponent > FACTOR_PLACES:
            raise UnitRuleBroken("units", f"the factor of {self.unit!r} has more than "
                                          f"{FACTOR_PLACES} decimal places")
        if factor >= Decimal(10) ** FACTOR_INTEGER_DIGITS:
            raise UnitRuleBroken("units", f"the factor of {self.unit!r} is too large")

    def __str__(self) -> str:
        return f"{self.unit}={_plain(self.factor)}"


@dataclass(frozen=True)
class UnitSet:
    """A base unit and its conversions; each unit appears once."""

    base: str
    conversions: tuple[UnitConversion, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", check_unit_name(self.base))
        seen = {self.base}
        for conversion in self.conversions:
            if conversion.unit == self.base:
                raise UnitRuleBroken("units", f"{conversion.unit!r} is the base unit; it needs "
                                              "no conversion")
            if conversion.unit in seen:
                raise UnitRuleBroken("units", f"unit {conversion.unit!r} is listed twice")
            seen.add(conversion.unit)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.base, *(c.unit for c in self.conversions))

    def knows(self, unit: str) -> bool:
        return unit in self.names

    def factor(self, unit: str) -> Decimal:
        """Base units in one ``unit``; :class:`UnitUnknown` names a unit not in the set."""
        if unit == self.base:
            return Decimal(1)
        for conversion in self.conversions:
            if conversion.unit == unit:
                return conversion.factor
        raise UnitUnknown(unit, self.names)

    def to_base(self, quantity: Decimal, unit: str) -> Decimal:
        """``quantity`` of ``unit`` in base units, exactly (3 箱 → 36 个)."""
        factor = self.factor(unit)
        return exact_product(quantity, factor)


def exact_product(quantity: Decimal, factor: Decimal) -> Decimal:
    """``quantity × factor`` with every digit kept (Inexact is an error, never a
    silent rounding)."""
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise UnitRuleBroken("quantity", "a quantity must be a finite Decimal")
    digits = len(quantity.as_tuple().digits) + len(factor.as_tuple().digits) + 2
    with localcontext() as context:
        context.prec = max(28, digits)
        context.traps[Inexact] = True
        try:
            return quantity * factor
        except (Inexact, InvalidOperation) as exc:  # pragma: no cover - precision covers it
            raise UnitRuleBroken("quantity", "the converted quantity cannot be exact") from exc


def parse_factor(text: str, unit: str = "") -> Decimal:
    """A factor typed by a person ("12", "0.5") as a Decimal; :class:`UnitRuleBroken`
    when it is not a number."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise UnitRuleBroken("units", f"the factor of {unit or 'a unit'!r} is not a number: "
                                      f"{text.strip()!r}") from exc
    if not value.is_finite():
        raise UnitRuleBroken("units", f"the factor of {unit or 'a unit'!r} must be a number "
                                      "greater than 0")
    return value


def parse_conversions(text: str) -> tuple[UnitConversion, ...]:
    """``"箱=12|打=12"`` → conversions; blank text is none."""
    conversions = []
    for part in text.split("|"):
        if not part.strip():
            continue
        unit, sep, factor = part.partition("=")
        if not sep:
            raise UnitRuleBroken("units", f"{part.strip()!r} is not unit=factor (e.g. 箱=12)")
        name = check_unit_name(unit, "units")
        conversions.append(UnitConversion(name, parse_factor(factor, name)))
    return tuple(conversions)


def _plain(value: Decimal) -> str:
    normal = value.normalize()
    return f"{normal:f}"
