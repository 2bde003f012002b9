"""Identity's HTTP API: tokens, logout, the signed-in user's own account
(password, MFA), the key set and key rotation."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response, status
from pydantic import BaseModel, Field

from jxc.identity.domain.passwords import MAX_LENGTH
from jxc.identity.entrypoints.deps import (
    AnonymousCaller,
    LockoutDep,
    Manager,
    SettingsDep,
    SignedIn,
)
from jxc.identity.entrypoints.inputs import Clean, Input
from jxc.identity.service_layer import auth, users
from jxc.identity.service_layer.auth import Tokens
from jxc.platform.api import SessionDep
from jxc.platform.errors import InvalidInput, Unauthorized

router = APIRouter(prefix="/api/v1/identity", tags=["identity"])
public = APIRouter(tags=["identity"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int
    refresh_token: str | None = None
    """Absent for API keys and for a temporary password that must be changed."""
    password_change_required: bool = False
    """True: the token only lets the user change their password
    (``POST /api/v1/identity/me/password``), then log in again."""

    @classmethod
    def of(cls, tokens: Tokens) -> TokenResponse:
        return cls(access_token=tokens.access_token, expires_in=tokens.expires_in,
                   refresh_token=tokens.refresh_token,
                   password_change_required=tokens.password_change_required)


class Me(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]
    branches: list[uuid.UUID] | None
    warehouses: list[uuid.UUID] | None
    must_change_password: bool
    mfa_enabled: bool


class PasswordChange(Input):
    current_password: str = Field(min_length=1, max_length=MAX_LENGTH)
    new_password: str = Field(min_length=1, max_length=1000)


class MfaEnrolment(BaseModel):
    secret: str
    otpauth_uri: str


class MfaCode(Input):
    code: str = Field(min_length=1, max_length=12)


class RetiringKey(BaseModel):
    kid: str
    retire_after: datetime


class Rotation(BaseModel):
    kid: str
    retiring: list[RetiringKey]


def _no_store(response: Response) -> None:
    # RFC 6749 §5.1; it also keeps secrets out of stored Idempotency-Key responses.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def _required(*fields: tuple[str, str | None]) -> None:
    missing = [name for name, value in fields if not value]
    if missing:
        raise InvalidInput(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                           "required", errors=[{"field": f, "in": "form", "message": "required"}
                                               for f in missing])


@router.post("/token", summary="OAuth2 password, refresh-token and API-key grants (public)",
             response_model_exclude_none=True)
async def token(
    session: SessionDep,
    settings: SettingsDep,
    lockout: LockoutDep,
    caller: AnonymousCaller,
    response: Response,
    grant_type: Annotated[Literal["password", "refresh_token", "api_key"], Form()] = "password",
    username: Annotated[str | None, Form(max_length=100), Clean] = None,
    password: Annotated[str | None, Form(max_length=MAX_LENGTH), Clean] = None,
    otp: Annotated[str | None, Form(max_length=12, description="the TOTP code, for MFA"),
                   Clean] = None,
    refresh_token: Annotated[str | None, Form(max_length=200), Clean] = None,
    api_key: Annotated[str | None, Form(max_length=200), Clean] = None,
) -> TokenResponse:
    _no_store(response)
    if grant_type == "refresh_token":
        _required(("refresh_token", refresh_token))
        assert refresh_token is not None
        return TokenResponse.of(await auth.refresh_grant(session, settings, caller, refresh_token))
    if grant_type == "api_key":
        _required(("api_key", api_key))
        assert api_key is not None
        return TokenResponse.of(await auth.api_key_grant(session, settings, caller, api_key))
    _required(("username", username), ("password", password))
    assert username is not None and password is not None
    return TokenResponse.of(await auth.password_grant(session, settings, lockout, caller,
                                                      username, password, otp))


async def _refresh_token_of(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise InvalidInput("the body is not JSON") from exc
        value = body.get("refresh_token") if isinstance(body, dict) else None
    else:
        value = (await request.form()).get("refresh_token")
    if value is not None and (not isinstance(value, str) or len(value) > 200
                              or "\x00" in value):
        raise InvalidInput("refresh_token is not valid", errors=[
            {"field": "refresh_token", "in": "body", "message": "a string of at most 200"}])
    return value


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT,
             summary="Revoke the refresh token's session (form or JSON `refresh_token`)",
             openapi_extra={"requestBody": {"content": {
                 "application/x-www-form-urlencoded": {"schema": {
                     "type": "object", "required": ["refresh_token"],
                     "properties": {"refresh_token": {"type": "string"}}}},
                 "application/json": {"schema": {
                     "type": "object", "required": ["refresh_token"],
                     "properties": {"refresh_token": {"type": "string"}}}}}}})
async def logout(request: Request, session: SessionDep, caller: AnonymousCaller) -> Response:
    refresh = await _refresh_token_of(request)
    _required(("refresh_token", refresh))
    assert refresh is not None
    await auth.logout(session, caller, refresh)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", summary="The signed-in user")
async def me(caller: SignedIn, session: SessionDep) -> Me:
    view = await users.get(session, users.own_id(caller))
    row = view.row
    if not row.active:
        raise Unauthorized("account is disabled")
    return Me(id=row.id, username=row.username, display_name=row.display_name,
              roles=view.roles, permissions=view.permissions,
              branches=row.branches, warehouses=row.warehouses,  # type: ignore[arg-type]
              must_change_password=row.must_change_password, mfa_enabled=row.mfa_enabled)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT,
             summary="Change your own password (with the current one); every session ends")
async def change_password(body: PasswordChange, caller: SignedIn, session: SessionDep,
                          settings: SettingsDep, lockout: LockoutDep) -> Response:
    await users.change_own_password(session, caller, lockout, body.current_password,
                                    body.new_password, settings.hash_parameters())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/mfa/enrol", summary="Start TOTP enrolment: the secret, shown once")
async def enrol_mfa(caller: SignedIn, session: SessionDep, settings: SettingsDep,
                    response: Response) -> MfaEnrolment:
    _no_store(response)
    secret, uri = await users.enrol_mfa(session, caller, settings.mfa_issuer)
    return MfaEnrolment(secret=secret, otpauth_uri=uri)


@router.post("/me/mfa/confirm", status_code=status.HTTP_204_NO_CONTENT,
             summary="Turn MFA on with a current code of the enrolled secret")
async def confirm_mfa(body: MfaCode, caller: SignedIn, session: SessionDep) -> Response:
    await users.confirm_mfa(session, caller, body.code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/keys/rotate", summary="A new signing key; the old one is retired once its "
             "tokens have expired")
async def rotate_keys(caller: Manager, session: SessionDep, settings: SettingsDep) -> Rotation:
    return Rotation.model_validate(await auth.rotate_keys(session, settings, caller))


@public.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(session: SessionDep) -> dict[str, object]:
    return await auth.jwks(session)
