"""The shape every published message takes.

A message class names its CloudEvents type, the service that emits it and the
topic it travels on; `partition_key()` says which aggregate it is about so
that messages about one thing stay in order. Decimals serialise as strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str, when_used="json")]
"""An amount of money: Decimal in Python, a 4-decimal string on the wire."""

Quantity = Annotated[
    Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str, when_used="json")
]
"""A quantity of goods: Decimal in Python, a 4-decimal string on the wire."""

Rate = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str, when_used="json")]
"""A rate such as a tax rate (0.1300 for 13 %)."""

PositiveQuantity = Annotated[Quantity, Field(gt=0)]
"""A quantity that must be more than zero (what is ordered, moved, reserved)."""

NonNegativeMoney = Annotated[Money, Field(ge=0)]

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""ISO 4217 code, e.g. CNY."""


class Part(BaseModel):
    """A value inside a message (an order line, a shortage)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Message(BaseModel):
    """Base of every event, command and reply in the published language.

    A service's messages subclass a base that names the ``service`` and the
    ``topic`` and marks itself ``abstract``; each concrete class then gets its
    CloudEvents type ``jxc.<service>.<ClassName>.v<schema_version>`` and source
    ``/jxc/<service>``, and is registered for decoding. ``key`` names the field
    that identifies the aggregate (the Kafka partition key).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    type_name: ClassVar[str]
    """CloudEvents type, e.g. ``jxc.inventory.ProductUpserted.v1``."""
    source: ClassVar[str]
    """CloudEvents source, e.g. ``/jxc/inventory``."""
    topic: ClassVar[str]
    service: ClassVar[str]
    schema_version: ClassVar[int] = 1
    key: ClassVar[str] = ""
    abstract: ClassVar[bool] = True

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        if "type_name" not in cls.__dict__ and hasattr(cls, "service"):
            cls.type_name = f"jxc.{cls.service}.{cls.__name__}.v{cls.schema_version}"
            cls.source = f"/jxc/{cls.service}"
        if "type_name" in cls.__dict__ or hasattr(cls, "service"):
            register(cls)

    def partition_key(self) -> str:
        if not self.key:
            raise NotImplementedError(f"{type(self).__name__} must say which aggregate it is about")
        return str(getattr(self, self.key))

    def subject(self) -> str:
        """CloudEvents subject: the aggregate id."""
        return self.partition_key()


class Event(Message):
    """A fact a service announces on ``<service>.events.v1``."""


class Command(Message):
    """A saga step addressed to a service on ``<service>.commands.v1``."""


class Reply(Message):
    """An answer to an orchestrator on ``<service>.replies.v1``."""


_REGISTRY: dict[str, type[Message]] = {}


def register(cls: type[Message]) -> type[Message]:
    """Class decorator: make a message type resolvable from its CloudEvents type."""
    if cls.type_name in _REGISTRY and _REGISTRY[cls.type_name] is not cls:
        raise ValueError(f"duplicate message type {cls.type_name}")
    _REGISTRY[cls.type_name] = cls
    return cls


def message_class(type_name: str) -> type[Message] | None:
    return _REGISTRY.get(type_name)


def registered_types() -> dict[str, type[Message]]:
    return dict(_REGISTRY)


def decode(type_name: str, body: bytes | str | dict[str, Any]) -> Message | None:
    """Parse a message body into its class, or None when the type is unknown."""
    cls = message_class(type_name)
    if cls is None:
        return None
    if isinstance(body, dict):
        return cls.model_validate(body)
    return cls.model_validate_json(body)
