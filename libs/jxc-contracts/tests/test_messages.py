"""Every message of the published language: named, routed, keyed and
serialised the way DESIGN.md §5 says."""

from __future__ import annotations

import json
import re
import types
import typing
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from jxc.contracts import topics
from jxc.contracts.base import Command, Event, Message, Reply, decode, registered_types
from jxc.contracts.finance import CheckCredit
from jxc.contracts.inventory import ReservationLine, ReserveStock, StockIssued

MESSAGES = {name: cls for name, cls in registered_types().items()
            if not name.startswith("jxc.probe.")}
TYPE_NAME = re.compile(r"^jxc\.(?P<service>[a-z]+)\.(?P<name>[A-Z][A-Za-z]+)\.v(?P<v>\d+)$")


def sample_value(annotation: Any, field: str) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return sample_value(next(a for a in args if a is not type(None)), field)
    if origin is typing.Annotated:
        return sample_value(args[0], field)
    if origin is typing.Literal:
        return args[0]
    if origin is tuple:
        return (sample_value(args[0], field), sample_value(args[0], field))
    if origin is dict:
        return {f"{field}-key": sample_value(args[1] if args[1] is not Any else str, field)}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sample(annotation)
    if annotation is uuid.UUID:
        return uuid.uuid4()
    if annotation is Decimal:
        return Decimal("12.5")
    if annotation is bool:
        return True
    if annotation is int:
        return 3
    if annotation is datetime:
        return datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    if annotation is date:
        return date(2026, 11, 25)
    if annotation is str:
        return {"currency": "CNY", "period": "2026-11"}.get(field, f"{field}-1")
    raise AssertionError(f"no sample for {annotation!r} ({field})")


def sample(model: type[BaseModel]) -> Any:
    return model(**{name: sample_value(info.annotation, name)
                    for name, info in model.model_fields.items()})


def test_the_core_flows_are_all_there() -> None:
    wanted = {
        "inventory": {"ProductUpserted", "WarehouseUpserted", "StockReceived", "StockIssued",
                      "StockAdjusted", "StockTransferred", "StockLevelLow", "StockLevelHigh",
                      "ReserveStock", "ReleaseReservation", "IssueReservedStock",
                      "StockReserved", "StockReservationFailed", "ReservationReleased"},
        "procurement": {"PurchaseOrderApproved", "GoodsReceived", "GoodsReturned"},
        "sales": {"SalesOrderConfirmed", "SalesOrderRejected", "SalesOrderShipped",
                  "SalesOrderCancelled", "SalesReturnReceived"},
        "finance": {"CheckCredit", "CreditApproved", "CreditRejected", "JournalEntryPosted",
                    "InvoiceIssued", "PaymentReceived"},
        "crm": {"CustomerUpserted"}, "supplier": {"SupplierUpserted"},
        "identity": {"BranchUpserted", "UserUpserted"},
    }
    have: dict[str, set[str]] = {}
    for name in MESSAGES:
        match = TYPE_NAME.match(name)
        assert match, name
        have.setdefault(match["service"], set()).add(match["name"])
    for service, names in wanted.items():
        assert names <= have.get(service, set()), (service, names - have.get(service, set()))


@pytest.mark.parametrize("type_name", sorted(MESSAGES))
def test_message_is_named_routed_and_round_trips(type_name: str) -> None:
    cls = MESSAGES[type_name]
    match = TYPE_NAME.match(type_name)
    assert match and match["name"] == cls.__name__
    assert cls.source == f"/jxc/{match['service']}"
    assert cls.topic in topics.ALL_TOPICS
    kind = {Event: "events", Command: "commands", Reply: "replies"}
    suffix = next(v for k, v in kind.items() if issubclass(cls, k))
    assert cls.topic.endswith(f".{suffix}.v1"), cls.topic
    if issubclass(cls, Event):
        assert cls.topic == f"{match['service']}.events.v1"

    message: Message = sample(cls)
    assert message.partition_key()
    assert message.subject() == message.partition_key()
    wire = message.model_dump_json()
    assert decode(type_name, wire) == message
    assert decode(type_name, json.loads(wire)) == message
    assert "12.5000" in wire or "12.5" not in wire  # decimals travel as 4-place strings
    assert '": 12.5' not in wire


def test_decimals_are_strings_and_stock_is_keyed_by_warehouse_and_product() -> None:
    issued = sample(StockIssued)
    body = json.loads(issued.model_dump_json())
    assert body["unit_cost"] == "12.5000"
    assert body["quantity"] == "12.5000"
    assert issued.partition_key() == f"{issued.warehouse_id}:{issued.product_id}"
    assert decode("jxc.nobody.Unknown.v1", "{}") is None


def test_invalid_messages_are_refused() -> None:
    line = {"product_id": uuid.uuid4(), "warehouse_id": uuid.uuid4(), "quantity": "0"}
    with pytest.raises(ValidationError):
        ReservationLine(**line)
    with pytest.raises(ValidationError):
        ReserveStock(order_id=uuid.uuid4(), lines=())
    with pytest.raises(ValidationError):
        CheckCredit(order_id=uuid.uuid4(), customer_id=uuid.uuid4(), amount=Decimal("1"),
                    currency="cny")
    with pytest.raises(ValidationError):
        CheckCredit(order_id=uuid.uuid4(), customer_id=uuid.uuid4(), amount=Decimal("-1"),
                    currency="CNY")


def test_every_topic_has_retry_and_dead_letter_companions() -> None:
    for topic in topics.PRIMARY_TOPICS:
        assert topics.retry_topic(topic) in topics.PARTITIONS
        assert topics.PARTITIONS[topics.dlq_topic(topic)] == 1
        assert topics.PARTITIONS[topics.retry_topic(topic)] == topics.PARTITIONS[topic]


def test_journal_entries_must_balance() -> None:
    from jxc.contracts.finance import JournalEntryPosted, JournalLine

    def entry(credit: str) -> JournalEntryPosted:
        return JournalEntryPosted(
            entry_id=uuid.uuid4(), number="JE-1", posted_on=date(2026, 11, 25),
            source_type="StockIssued", source_id="x", currency="CNY",
            lines=(JournalLine(account_code="6401", debit=Decimal("600"), credit=Decimal(0)),
                   JournalLine(account_code="1405", debit=Decimal(0), credit=Decimal(credit))))
    assert entry("600").lines[0].account_code == "6401"
    with pytest.raises(ValidationError, match="does not balance"):
        entry("599.99")
