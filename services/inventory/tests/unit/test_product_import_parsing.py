"""Reading an import file and checking its rows, without a database."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from jxc.inventory.domain.products import CostingMethod
from jxc.inventory.domain.units import UnitConversion
from jxc.inventory.service_layer.product_import import parse_row, read_sheet
from jxc.inventory.service_layer.sheets import MAX_ROWS, PayloadTooLarge
from jxc.platform.errors import InvalidInput


def test_csv_with_bom_quotes_and_blank_lines() -> None:
    data = ("\ufeffSKU, Name ,unit,tax_rate\n\n"
            "A-1,\"Tea, green\",个,13%\n"
            ",,,\n"
            "A-2,Coffee,袋,0.06\n").encode()
    rows = read_sheet(data, "p.csv")
    assert [r.number for r in rows] == [3, 5]
    first = parse_row(rows[0])
    assert first.errors == []
    assert first.fields == {"name": "Tea, green", "unit": "个", "tax_rate": Decimal("0.13")}


def test_prices_with_thousands_separators_and_currency() -> None:
    rows = read_sheet(b"sku,sale_price,currency,category_code\nA-1,\"1,234.50\",cny,TEA\n")
    row = parse_row(rows[0])
    assert row.errors == []
    assert row.fields == {"sale_price": Decimal("1234.50"), "currency": "CNY"}
    assert row.category_code == "TEA"


def test_all_the_errors_of_a_row() -> None:
    rows = read_sheet(("sku,name,unit,barcodes,costing_method,sale_price,tax_rate,"
                       "lot_tracked,shelf_life_days,units\n"
                       "bad sku!,,,123|4006381333932,lifo,abc,1.5,maybe,-3,箱12\n").encode())
    row = parse_row(rows[0])
    assert [e["field"] for e in row.errors] == [
        "sku", "barcodes", "barcodes", "costing_method", "sale_price", "tax_rate",
        "lot_tracked", "shelf_life_days", "units"]


def test_parsed_values() -> None:
    rows = read_sheet(("sku,barcodes,costing_method,lot_tracked,units,active\n"
                       "A-1,036000291452|14006381333938=箱,FIFO,yes,箱=12|打=12,0\n").encode())
    row = parse_row(rows[0])
    assert row.errors == []
    assert row.fields == {
        "barcodes": ("0036000291452", "14006381333938"),
        "barcode_units": (("14006381333938", "箱"),),
        "costing_method": CostingMethod.FIFO, "lot_tracked": True, "active": False,
        "units": (UnitConversion("箱", Decimal(12)), UnitConversion("打", Decimal(12)))}


def test_header_problems_are_listed_together() -> None:
    with pytest.raises(InvalidInput) as bad:
        read_sheet(b"name,colour,name\nx,y,z\n")
    assert [(e["row"], e["field"]) for e in bad.value.errors or []] == [
        (1, "colour"), (1, "name"), (1, "sku")]


def test_more_cells_than_columns() -> None:
    rows = read_sheet(b"sku,name\nA-1,Tea,extra\n")
    assert parse_row(rows[0]).errors[0]["field"] == "row"


def test_limits() -> None:
    with pytest.raises(PayloadTooLarge):
        read_sheet(b"sku\n" + b"A\n" * (MAX_ROWS + 1))
    assert len(read_sheet(b"sku\n" + b"A\n" * MAX_ROWS)) == MAX_ROWS
    with pytest.raises(PayloadTooLarge):
        read_sheet(b"sku\n" + b"x" * (5 * 1024 * 1024))
    with pytest.raises(InvalidInput, match="xls"):
        read_sheet(b"\xd0\xcf\x11\xe0rest", "old.xls")


def test_xlsx_numbers_become_the_text_that_was_typed() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["sku", "sale_price", "tax_rate", "barcodes", "shelf_life_days"])
    sheet.append(["A-1", 59.9, 0.09, 4006381333931, 30.0])
    buffer = io.BytesIO()
    book.save(buffer)
    row = read_sheet(buffer.getvalue(), "p.xlsx")[0]
    assert row.cells == {"sku": "A-1", "sale_price": "59.9", "tax_rate": "0.09",
                         "barcodes": "4006381333931", "shelf_life_days": "30"}
