"""Authentication and authorisation for every service.

Access tokens are EdDSA JWTs issued by identity and verified here against its
JWKS (cached; refetched when an unknown key id shows up, so key rotation
works). ``require("inventory:adjust")`` is the dependency a route declares;
the principal it returns also carries the caller's data scope.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from sqlalchemy import ColumnElement, true

from jxc.contracts.permissions import grants
from jxc.platform.errors import Forbidden, ServiceUnavailable, Unauthorized

JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Principal:
    subject: str
    username: str
    permissions: frozenset[str]
    branches: frozenset[str] | None = None
    """Branches the caller may see; None means all."""
    warehouses: frozenset[str] | None = None
    kind: str = "user"

    def can(self, permission: str) -> bool:
        return grants(self.permissions, permission)

    def sees_branch(self, branch_id: uuid.UUID | str | None) -> bool:
        return self.branches is None or (branch_id is not None and str(branch_id) in
                                         self.branches)

    def sees_warehouse(self, warehouse_id: uuid.UUID | str | None) -> bool:
        return self.warehouses is None or (warehouse_id is not None and str(warehouse_id) in
                                           self.warehouses)

    def branch_filter(self, column: Any) -> ColumnElement[bool]:
        """SQL condition limiting rows to the caller's branches."""
        if self.branches is None:
            return true()
        return column.in_([uuid.UUID(b) for b in self.branches])  # type: ignore[no-any-return]

    def warehouse_filter(self, column: Any) -> ColumnElement[bool]:
        if self.warehouses is None:
            return true()
        return column.in_([uuid.UUID(w) for w in self.warehouses])  # type: ignore[no-any-return]


def http_jwks_fetcher(url: str) -> JwksFetcher:
    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=3.0) as client:
            response = await client.get(url)
            response.raise_for_status()
            return response.json()  # type: ignore[no-any-return]
    return fetch


class JwksVerifier:
    def __init__(self, fetch: JwksFetcher, issuer: str, audience: str, cache_seconds: int = 300):
        self._fetch = fetch
        self.issuer = issuer
        self.audience = audience
        self.cache_seconds = cache_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _key(self, kid: str) -> jwt.PyJWK:
        stale = time.monotonic() - self._fetched_at > self.cache_seconds
        # An unknown kid may be a freshly rotated key; refetch at most every 5 s.
        if kid not in self._keys or stale:
            async with self._lock:
                if (kid not in self._keys and time.monotonic() - self._fetched_at > 5) or stale:
                    try:
                        jwks = await self._fetch()
                    except (httpx.HTTPError, OSError) as exc:
                        if not self._keys:
                            raise ServiceUnavailable("cannot reach the identity key set") from exc
                    else:
                        self._keys = {k["kid"]: jwt.PyJWK(k) for k in jwks.get("keys", [])}
                        self._fetched_at = time.monotonic()
        if kid not in self._keys:
            raise Unauthorized("token signed by an unknown key")
        return self._keys[kid]

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("malformed token") from exc
        if header.get("alg") != "EdDSA" or "kid" not in header:
            raise Unauthorized("token not signed with EdDSA")
        key = await self._key(str(header["kid"]))
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key=key.key, algorithms=["EdDSA"], issuer=self.issuer,
                audience=self.audience, options={"require": ["exp", "iat", "sub"]})
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired", reason="token_expired") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("invalid token") from exc
        if claims.get("typ") != "access":
            raise Unauthorized("not an access token")
        return claims


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    def optional(name: str) -> frozenset[str] | None:
        value = claims.get(name)
        return None if value is None else frozenset(str(v) for v in value)

    return Principal(
        subject=str(claims["sub"]),
        username=str(claims.get("preferred_username", claims["sub"])),
        permissions=frozenset(claims.get("perms", [])),
        branches=optional("branches"),
        warehouses=optional("warehouses"),
        kind=str(claims.get("kind", "user")),
    )


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <access token>'")
    return token.strip()


async def authenticated(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    verifier: JwksVerifier = request.app.state.verifier
    principal = principal_from_claims(await verifier.verify(bearer_token(request)))
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def require(*permissions: str) -> Any:
    """Dependency: the caller must hold every one of ``permissions``."""
    async def check(principal: CurrentPrincipal) -> Principal:
        missing = [p for p in permissions if not principal.can(p)]
        if missing:
            raise Forbidden(f"missing permission {', '.join(missing)}", missing=missing)
        return principal
    return Depends(check)


def permission_names(held: Iterable[str]) -> list[str]:
    return sorted(set(held))
