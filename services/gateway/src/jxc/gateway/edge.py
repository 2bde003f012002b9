"""What the gateway does to every ``/api/v1/<service>/…`` request, in order:

1. refuse a declared body over the route's limit (413);
2. authenticate, except on public routes: a bearer token is verified against
   identity's key set, an API key is exchanged for one (:mod:`.apikeys`);
3. rate-limit (:mod:`.ratelimit`): per client IP always, per principal by its
   tier, and the stricter ``login`` bucket per IP on public routes (the token
   endpoint) and API-key exchanges; failed authentications count per IP;
4. answer a retried POST from the Idempotency-Key store (:mod:`.replay`);
5. forward, streaming (:mod:`.proxy`), and keep the answer for replays.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import Request
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jxc.gateway.apikeys import ApiKeyExchanger, UpstreamAnswer
from jxc.gateway.metrics import IDEMPOTENCY
from jxc.gateway.proxy import (
    ProxyResponse,
    RequestBody,
    declared_length,
    has_body,
    open_upstream,
    too_large,
)
from jxc.gateway.ratelimit import Bucket, RateLimiter
from jxc.gateway.redis_guard import RedisGuard
from jxc.gateway.replay import (
    IdempotencyKeyReused,
    Recorded,
    ReplayStore,
    fingerprint_start,
    idempotency_key,
    keepable,
    kept_headers,
)
from jxc.gateway.settings import GatewaySettings
from jxc.platform.auth import JwksVerifier
from jxc.platform.errors import Unauthorized
from jxc.platform.observability.metrics import HTTP_DURATION, HTTP_REQUESTS

log = logging.getLogger("jxc.gateway.edge")


@dataclass(frozen=True)
class Caller:
    subject: str
    tier: str
    authorization: str | None
    """What to send upstream instead of the caller's own Authorization (API keys)."""


class Edge:
    def __init__(self, settings: GatewaySettings, client: httpx.AsyncClient,
                 verifier: JwksVerifier, redis: RedisGuard):
        self.settings = settings
        self.client = client
        self.verifier = verifier
        self.public = {tuple(route.split(" ", 1)) for route in settings.public_routes}
        self.limiter = RateLimiter(redis, settings.rate_limit_enabled)
        self.replays = ReplayStore(redis, settings.idempotency_ttl_hours * 3600,
                                   settings.idempotency_max_body_bytes)
        identity = settings.upstreams.get("identity")
        self.api_keys = ApiKeyExchanger(
            client, identity.rstrip("/") + settings.api_key_exchange_path if identity else None,
            verifier, settings.api_key_cache_size)

    # -- the pieces -----------------------------------------------------------
    def bucket(self, name: str, subject: str) -> Bucket:
        return Bucket(name, subject, self.settings.rate_limits[name])

    def caller(self, claims: dict[str, Any], authorization: str | None) -> Caller:
        return Caller(str(claims["sub"]), self.settings.tier(claims.get("rate_tier")),
                      authorization)

    async def authenticate(self, request: Request, ip: str) -> Caller:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        credential = credential.strip()
        if scheme.lower() == "apikey" and credential:
            async def login_bucket() -> None:
                await self.limiter.enforce([self.bucket("login", ip)])
            exchanged = await self.api_keys.exchange(credential, request.state.request_id,
                                                     login_bucket)
            return self.caller(exchanged.claims, f"Bearer {exchanged.token}")
        if scheme.lower() != "bearer" or not credential:
            raise Unauthorized("send 'Authorization: Bearer <access token>' or "
                               "'Authorization: ApiKey <key>'")
        return self.caller(await self.verifier.verify(credential), None)

    def timeout(self, path: str) -> httpx.Timeout:
        seconds = self.settings.timeout_for(path)
        return httpx.Timeout(seconds, connect=min(seconds,
                                                  self.settings.upstream_connect_timeout_seconds))

    # -- the request ----------------------------------------------------------
    async def handle(self, service: str, request: Request) -> Response:
        try:
            return await self._handle(service, request)
        except UpstreamAnswer as answer:
            return answer.response
        except ClientDisconnect:
            # The caller went away while sending its body: nobody to answer.
            log.info("client left during %s %s", request.method, request.url.path)
            return Response(status_code=400)

    async def _handle(self, service: str, request: Request) -> Response:
        path = request.url.path
        limit = self.settings.body_limit_for(path)
        declared = declared_length(request)
        if declared is not None and declared > limit:
            raise too_large(limit)
        ip = request.client.host if request.client else "unknown"

        caller: Caller | None = None
        if (request.method, path) in self.public:
            buckets = [self.bucket("ip", ip), self.bucket("login", ip)]
        else:
            try:
                caller = await self.authenticate(request, ip)
            except Unauthorized:
                await self.limiter.enforce([self.bucket("ip", ip)])
                raise
            buckets = [self.bucket("ip", ip), self.bucket(caller.tier, caller.subject)]
        limits = await self.limiter.enforce(buckets)

        key = idempotency_key(request.scope["headers"]) if (
            request.method == "POST" and caller is not None) else None
        digest = fingerprint_start(request.method, path, request.scope.get("query_string", b""))
        body = RequestBody(request, limit, digest if key else None)
        if key is not None and caller is not None:
            recorded = await self.replays.get(caller.subject, key)
            if recorded is not None:
                await body.drain()
                if digest.hexdigest() != recorded.fingerprint:
                    IDEMPOTENCY.labels("reused").inc()
                    raise IdempotencyKeyReused(
                        "This Idempotency-Key was used for a different request; send a new "
                        "key for a new request.")
                IDEMPOTENCY.labels("replayed").inc()
                replay = recorded.response()
                replay.headers.update(limits)
                return replay

        streamed = has_body(request)
        upstream = await open_upstream(
            self.client, self.settings.upstreams.get(service), service, request,
            content=body.stream() if streamed else None,
            authorization=caller.authorization if caller else None, timeout=self.timeout(path))
        keep = None
        if key is not None and caller is not None and keepable(upstream.status_code,
                                                               upstream.headers):
            subject, status = caller.subject, upstream.status_code
            headers = kept_headers(upstream.headers.multi_items())

            async def keep(content: bytes) -> None:
                if body.complete or not streamed:
                    await self.replays.put(subject, key, Recorded(
                        digest.hexdigest(), status, headers, content))
        return ProxyResponse(upstream, limits, keep, self.settings.idempotency_max_body_bytes)


class EdgeMetrics:
    """The platform's RED metrics, timed until the last byte has gone out."""

    def __init__(self, app: ASGIApp, service: str = "gateway"):
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, scope["method"], path, str(status)).inc()
            HTTP_DURATION.labels(self.service, scope["method"], path).observe(
                time.perf_counter() - started)
