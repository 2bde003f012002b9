from jxc.contracts import asyncapi
from jxc.contracts.base import registered_types
from jxc.contracts.inventory import ProductUpserted


def test_every_message_type_is_documented_on_its_topic() -> None:
    doc = asyncapi.document()
    documented = {m["name"] for m in doc["components"]["messages"].values()}
    published = {name for name in registered_types() if not name.startswith("jxc.probe.")}
    assert documented == published
    channel = doc["channels"][ProductUpserted.topic.replace(".", "_")]
    assert channel["address"] == "inventory.events.v1"
    assert "jxc_inventory_ProductUpserted_v1" in channel["messages"]


def test_money_is_a_string_in_the_schema() -> None:
    doc = asyncapi.document()
    payload = doc["components"]["messages"]["jxc_inventory_ProductUpserted_v1"]["payload"]
    assert payload["properties"]["sale_price"]["type"] == "string"
