"""Identity's HTTP API: tokens, the key set and who am I."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel

from jxc.identity.service_layer import auth
from jxc.identity.settings import IdentitySettings
from jxc.platform.api import RuntimeDep, SessionDep
from jxc.platform.auth import CurrentPrincipal
from jxc.platform.errors import InvalidInput

router = APIRouter(prefix="/api/v1/identity", tags=["identity"])
public = APIRouter(tags=["identity"])


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int


class Me(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    permissions: list[str]
    branches: list[str] | None
    warehouses: list[str] | None


def _settings(runtime: Any) -> IdentitySettings:
    settings = runtime.settings
    assert isinstance(settings, IdentitySettings)
    return settings


@router.post("/token", summary="OAuth2 password and refresh-token grants (public)")
async def token(
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    grant_type: Annotated[Literal["password", "refresh_token"], Form()] = "password",
    username: Annotated[str | None, Form(max_length=100)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenResponse:
    settings = _settings(runtime)
    # RFC 6749 §5.1; it also keeps issued tokens out of stored Idempotency-Key responses.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    if grant_type == "refresh_token":
        if not refresh_token:
            raise InvalidInput("refresh_token is required", errors=[
                {"field": "refresh_token", "in": "form", "message": "required"}])
        return TokenResponse(**await auth.refresh_grant(session, settings, refresh_token))
    if not username or not password:
        raise InvalidInput("username and password are required", errors=[
            {"field": f, "in": "form", "message": "required"}
            for f, v in (("username", username), ("password", password)) if not v])
    return TokenResponse(**await auth.password_grant(session, settings, username, password))


@router.get("/me", summary="The signed-in user")
async def me(principal: CurrentPrincipal, session: SessionDep) -> Me:
    user = await auth.get_user(session, principal.subject)
    return Me.model_validate(user, from_attributes=True)


@public.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(session: SessionDep, request: Request) -> dict[str, Any]:
    return await auth.jwks(session)
