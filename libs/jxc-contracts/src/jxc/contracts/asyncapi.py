"""The event stream documented as AsyncAPI 3.0, generated from the registered
message classes: one channel per topic, one message per CloudEvents type."""

from __future__ import annotations

from typing import Any

from jxc.contracts.base import Command, Event, Reply, registered_types

CLOUDEVENTS_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "UUIDv7, unique per message"},
        "ce_type": {"type": "string", "description": "e.g. jxc.inventory.ProductUpserted.v1"},
        "ce_source": {"type": "string", "description": "e.g. /jxc/inventory"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "the aggregate id; also the Kafka key"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "jxc_correlation_id": {"type": "string", "description": "saga or request id"},
        "jxc_causation_id": {"type": "string", "description": "id of the message that caused it"},
        "jxc_branch": {"type": "string", "description": "branch the data belongs to"},
    },
}


def _kind(cls: type) -> str:
    for base, kind in ((Event, "event"), (Command, "command"), (Reply, "reply")):
        if issubclass(cls, base):
            return kind
    return "message"


def document(version: str = "1.0.0") -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for type_name, cls in sorted(registered_types().items()):
        if not type_name.startswith("jxc.") or type_name.startswith("jxc.probe."):
            continue
        key = type_name.replace(".", "_")
        messages[key] = {
            "name": type_name,
            "title": cls.__name__,
            "summary": (cls.__doc__ or "").strip().split("\n")[0] or None,
            "contentType": "application/json",
            "headers": CLOUDEVENTS_HEADERS,
            "payload": cls.model_json_schema(mode="serialization"),
            "tags": [{"name": _kind(cls)}],
        }
        channel = channels.setdefault(cls.topic.replace(".", "_"), {
            "address": cls.topic, "messages": {}})
        channel["messages"][key] = {"$ref": f"#/components/messages/{key}"}
    for channel_key, channel in channels.items():
        operations[f"publish_{channel_key}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel_key}"},
            "summary": f"messages published on {channel['address']}",
            "messages": [{"$ref": f"#/channels/{channel_key}/messages/{m}"}
                         for m in channel["messages"]],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "JXC event stream", "version": version,
                 "description": "CloudEvents 1.0 in Kafka binary mode. Decimals are strings "
                                "(\"12.5000\"), times UTC ISO 8601, the Kafka key is the "
                                "aggregate id. Every topic has `.retry` and `.dlq` companions."},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
