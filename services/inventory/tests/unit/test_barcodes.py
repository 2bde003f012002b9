import pytest

from jxc.inventory.domain.barcodes import (
    BarcodeInvalid,
    check_digit,
    is_valid,
    kind,
    normalise,
    validate,
)

VALID = {"4006381333931": "EAN-13", "036000291452": "UPC-A", "96385074": "EAN-8",
         "10036000291459": "GTIN-14", "6901234567892": "EAN-13"}


@pytest.mark.parametrize(("code", "name"), VALID.items())
def test_valid_codes(code: str, name: str) -> None:
    assert validate(code) == code
    assert kind(code) == name
    assert check_digit(code[:-1]) == int(code[-1])


@pytest.mark.parametrize("code", ["4006381333932", "036000291453", "96385075", "10036000291458"])
def test_one_wrong_digit_is_caught(code: str) -> None:
    with pytest.raises(BarcodeInvalid, match="check digit") as bad:
        validate(code)
    assert bad.value.code == code
    assert not is_valid(code)


def test_a_changed_body_digit_is_caught_too() -> None:
    assert not is_valid("4006381333911")  # a digit inside, not the check digit


@pytest.mark.parametrize(("code", "message"), [
    ("", "blank"), ("  ", "blank"), ("40063813339x1", "digits only"), ("\uff11" * 8, "digits only"),
    ("1234567", "7 digits"), ("123456789012345", "15 digits"),
])
def test_not_a_gtin(code: str, message: str) -> None:
    with pytest.raises(BarcodeInvalid, match=message):
        validate(code)


def test_upc_a_and_gtin14_with_indicator_0_normalise_to_ean13() -> None:
    assert normalise("036000291452") == "0036000291452"
    assert normalise("0036000291452") == "0036000291452"
    assert normalise("00036000291452") == "0036000291452"
    assert normalise(" 4006381333931 ") == "4006381333931"
    assert normalise("96385074") == "96385074"
    assert normalise("10036000291459") == "10036000291459"  # a case: stays GTIN-14


def test_normalise_refuses_bad_codes() -> None:
    with pytest.raises(BarcodeInvalid):
        normalise("036000291453")
