"""What every request body and text parameter of identity's API must be:
PostgreSQL text cannot hold NUL characters, so they are refused here (422)
rather than failing in the database (500)."""

from __future__ import annotations

from typing import Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

NUL_MESSAGE = "text must not contain NUL (\\u0000) characters"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


Clean = AfterValidator(no_nul)
"""For text query and form parameters: ``Annotated[str | None, Query(), Clean]``."""


class Input(BaseModel):
    """Base of identity's request bodies: unknown fields and NUL refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError(NUL_MESSAGE)
        return data
