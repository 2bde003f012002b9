"""The scorecard's rates from sums of delivery facts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from jxc.supplier.domain.scorecard import ScoreSums, filled, lead_time_days, month_of, on_time

D = Decimal


def test_on_time_compares_utc_days_and_no_promise_is_none() -> None:
    promised = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
    assert on_time(datetime(2026, 5, 10, 23, 0, tzinfo=UTC), promised) is True
    assert on_time(datetime(2026, 5, 11, 0, 1, tzinfo=UTC), promised) is False
    assert on_time(datetime(2026, 5, 1, tzinfo=UTC), None) is None


def test_lead_time_in_days_with_two_places_never_negative() -> None:
    approved = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    assert lead_time_days(approved, approved + timedelta(days=3, hours=12)) == D("3.50")
    assert lead_time_days(approved, approved - timedelta(hours=1)) == D(0)
    beijing = timezone(timedelta(hours=8))
    assert lead_time_days(approved, datetime(2026, 5, 2, 8, 0, tzinfo=beijing)) == D("1.00")


def test_fill_counts_each_product_up_to_its_ordered_quantity() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ordered = {a: D(10), b: D(5)}
    assert filled(ordered, {a: D(12), b: D(2), c: D(100)}) == D(12)
    assert filled(ordered, {}) == D(0)


def test_rates_are_percentages_or_none() -> None:
    sums = ScoreSums(deliveries=4, promised_deliveries=3, on_time_deliveries=2,
                     ordered_quantity=D(100), filled_quantity=D(95), accepted_quantity=D(98),
                     rejected_quantity=D(2), paid_value=D(1050), list_value=D(1000),
                     lead_time_days_total=D(10), lead_time_count=3)
    rates = sums.rates()
    assert rates.on_time_rate == D("66.67")
    assert rates.fill_rate == D("95.00")
    assert rates.quality_acceptance_rate == D("98.00")
    assert rates.price_variance == D("5.00")
    assert rates.average_lead_time_days == D("3.33")
    empty = ScoreSums().rates()
    assert (empty.on_time_rate, empty.fill_rate, empty.quality_acceptance_rate,
            empty.price_variance, empty.average_lead_time_days) == (None,) * 5


def test_price_variance_is_value_weighted_and_may_be_negative() -> None:
    cheap = ScoreSums(paid_value=D(90), list_value=D(100))
    dear = ScoreSums(paid_value=D(1100), list_value=D(1000))
    assert (cheap + dear).rates().price_variance == D("8.18")
    assert cheap.rates().price_variance == D("-10.00")


def test_sums_add_up_field_by_field() -> None:
    one = ScoreSums(deliveries=1, accepted_quantity=D("1.5"), lead_time_count=1)
    assert one + one == ScoreSums(deliveries=2, accepted_quantity=D(3), lead_time_count=2)


def test_month_of() -> None:
    assert month_of(date(2026, 3, 9)) == "2026-03"
    assert month_of(datetime(2026, 12, 31, 23, tzinfo=UTC)) == "2026-12"
