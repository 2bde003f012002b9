"""Real peers for the gateway on loopback: an echo service that tells what
reached it, and a stand-in for identity's API-key exchange (identity grows the
real one; this one signs with :class:`TokenIssuer`, exactly that exchange).
Redis is the session's real one."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import FastAPI, Form, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from jxc.gateway.app import create_gateway
from jxc.gateway.settings import GatewaySettings, Rate
from jxc.platform.infra import free_port
from jxc.platform.testing import Infrastructure, TokenIssuer, serving

PLENTY = Rate(per_second=10_000, burst=10_000)


def sign(issuer: TokenIssuer, subject: str | None = None, expires_in: int = 900,
         **claims: Any) -> str:
    """An access token like identity's, with any extra claims (``rate_tier``)."""
    now = int(time.time())
    body = {"iss": issuer.issuer, "aud": issuer.audience, "sub": subject or str(uuid.uuid4()),
            "iat": now, "exp": now + expires_in, "typ": "access", "perms": ["*"], **claims}
    return jwt.encode(body, issuer.key, algorithm="EdDSA", headers={"kid": issuer.kid})


@dataclass
class Peers:
    issuer: TokenIssuer
    echo_url: str
    identity_url: str
    api_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    """secret → the token's claims (``sub``, ``rate_tier``, ``expires_in``)."""
    exchanges: Counter[str] = field(default_factory=Counter)
    seen: list[dict[str, Any]] = field(default_factory=list)
    """What reached the echo service, in order."""
    gates: dict[str, asyncio.Event] = field(default_factory=dict)

    def bearer(self, subject: str | None = None, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {sign(self.issuer, subject, **claims)}"}

    def settings(self, **overrides: Any) -> GatewaySettings:
        options: dict[str, Any] = {
            "upstreams": {"echo": self.echo_url, "identity": self.identity_url,
                          "gone": f"http://127.0.0.1:{free_port()}"},
            "jwks_url": f"{self.identity_url}/.well-known/jwks.json",
            "rate_limits": {"standard": PLENTY, "premium": PLENTY, "ip": PLENTY,
                            "login": PLENTY},
            **overrides}
        return GatewaySettings(**options)


def echo_app(peers: Peers) -> FastAPI:
    app = FastAPI()
    calls: Counter[str] = Counter()

    @app.post("/api/v1/echo/things")
    async def create(request: Request, status: int = 201, size: int = 0,
                     no_store: bool = False, retry_after: bool = False) -> Response:
        body = await request.body()
        name = request.headers.get("idempotency-key", "")
        calls[name] += 1
        peers.seen.append({"path": request.url.path, "key": name, "body": body})
        content = {"run": calls[name], "id": str(uuid.uuid4()), "pad": "x" * size}
        headers = {"Location": f"/api/v1/echo/things/{content['id']}", "ETag": '"1"',
                   "X-Not-Kept": "1"}
        if no_store:
            headers["Cache-Control"] = "no-store"
        if retry_after:
            headers["Retry-After"] = "1"
        return JSONResponse(content, status_code=status, headers=headers)

    @app.get("/api/v1/echo/cached")
    async def cached() -> Response:
        return JSONResponse({"ok": True}, headers={"Cache-Control": "public, max-age=60"})

    @app.get("/api/v1/echo/gate/{name}")
    async def gate(name: str) -> dict[str, str]:
        await asyncio.wait_for(peers.gates.setdefault(name, asyncio.Event()).wait(), 60)
        return {"gate": name}

    @app.get("/api/v1/echo/download")
    async def download(chunks: int, size: int) -> StreamingResponse:
        async def produce() -> AsyncIterator[bytes]:
            for i in range(chunks):
                yield bytes([65 + i % 26]) * size
                await asyncio.sleep(0)
        return StreamingResponse(produce(), media_type="application/octet-stream")

    @app.api_route("/api/v1/echo/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                   include_in_schema=False)
    async def echo(rest: str, request: Request) -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        seen = {"method": request.method, "path": request.url.path,
                "raw_path": request.scope["raw_path"].decode(),
                "query": request.scope["query_string"].decode(),
                "headers": {k: v for k, v in request.headers.items()},
                "size": size, "sha256": digest.hexdigest()}
        peers.seen.append(seen)
        return seen

    return app


def identity_double(peers: Peers) -> FastAPI:
    """``POST /api/v1/identity/token`` with ``grant_type=api_key`` and the key set."""
    app = FastAPI()

    @app.post("/api/v1/identity/token")
    async def token(grant_type: Annotated[str, Form()],
                    api_key: Annotated[str | None, Form()] = None) -> Response:
        peers.exchanges[api_key or ""] += 1
        claims = peers.api_keys.get(api_key or "") if grant_type == "api_key" else None
        if claims is None:
            return JSONResponse(
                {"type": "https://jxc.dev/problems/unauthorized", "title": "Authentication "
                 "required", "status": 401, "detail": "unknown or revoked API key",
                 "code": "unauthorized", "reason": "invalid_api_key"},
                status_code=401, media_type="application/problem+json",
                headers={"WWW-Authenticate": "ApiKey"})
        options = dict(claims)
        expires_in = int(options.pop("expires_in", 900))
        return JSONResponse({"access_token": sign(peers.issuer, expires_in=expires_in,
                                                  **options),
                             "token_type": "bearer", "expires_in": expires_in},
                            headers={"Cache-Control": "no-store"})

    @app.get("/.well-known/jwks.json")
    async def jwks() -> Response:
        return JSONResponse(peers.issuer.jwks(), headers={"Cache-Control": "public, max-age=300"})

    return app


@pytest.fixture
async def peers() -> AsyncIterator[Peers]:
    issuer = TokenIssuer()
    holder = Peers(issuer, "", "")
    async with serving(echo_app(holder)) as echo_url, \
            serving(identity_double(holder)) as identity_url:
        holder.echo_url, holder.identity_url = echo_url, identity_url
        yield holder
        for event in holder.gates.values():
            event.set()


GatewayFactory = Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def gateway(peers: Peers, infra: Infrastructure) -> GatewayFactory:
    """``async with gateway(**settings) as client``: a gateway in front of the
    peers, on the session's Redis unless told otherwise."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = peers.settings(**{"redis_url": infra.redis_url, **overrides})
        async with serving(create_gateway(settings)) as url, \
                httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield client
    return start


def metric(text: str, name: str, **labels: str) -> float:
    """A sample's value from Prometheus text, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(
                f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def metric_value() -> Callable[..., float]:
    """:func:`metric`, for tests (they cannot import from a conftest)."""
    return metric
