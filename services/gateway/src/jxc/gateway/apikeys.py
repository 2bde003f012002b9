"""Partners' ``Authorization: ApiKey <secret>``, exchanged at the edge.

The gateway trades the key at identity (``POST /api/v1/identity/token``, form
``grant_type=api_key&api_key=<secret>``) for an access token, verifies that
token like any other, and forwards ``Authorization: Bearer <token>``, so the
services only ever see bearer tokens. Tokens are kept in process, in a bounded
LRU keyed by ``sha256(secret)`` (the secret itself is never stored), until 30 s
before they expire; concurrent first requests with one key share a single
exchange. A key identity refuses gets identity's own answer (401
problem+json); refusals are not cached, and the ``login`` rate-limit bucket
(per client IP) is charged before every exchange, which bounds guessing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.responses import Response

from jxc.gateway.metrics import API_KEY_EXCHANGES
from jxc.platform.auth import JwksVerifier
from jxc.platform.errors import Problem, ServiceUnavailable

REFRESH_MARGIN_SECONDS = 30
EXCHANGE_TIMEOUT_SECONDS = 5.0
PASSED_HEADERS = ("content-type", "www-authenticate", "retry-after")
log = logging.getLogger("jxc.gateway.apikeys")


class UpstreamAnswer(Exception):
    """A peer's answer to hand to the caller as it is."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Exchanged:
    token: str
    claims: dict[str, Any]
    fresh_until: float
    """``time.monotonic()`` after which the token must not be used from the cache."""


class ApiKeyExchanger:
    def __init__(self, client: httpx.AsyncClient, token_url: str | None,
                 verifier: JwksVerifier, cache_size: int):
        self.client = client
        self.token_url = token_url
        self.verifier = verifier
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Exchanged] = OrderedDict()
        self._pending: dict[str, asyncio.Future[Exchanged]] = {}

    async def exchange(self, secret: str, request_id: str,
                       before_exchange: Callable[[], Awaitable[Any]]) -> Exchanged:
        digest = hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()
        cached = self._cache.get(digest)
        if cached is not None:
            if time.monotonic() < cached.fresh_until:
                self._cache.move_to_end(digest)
                API_KEY_EXCHANGES.labels("cached").inc()
                return cached
            del self._cache[digest]
        pending = self._pending.get(digest)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Exchanged] = asyncio.get_running_loop().create_future()
        self._pending[digest] = future
        try:
            await before_exchange()
            exchanged = await self._exchange(secret, request_id)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody else may be waiting
            raise
        else:
            future.set_result(exchanged)
            if self.cache_size and exchanged.fresh_until > time.monotonic():
                self._cache[digest] = exchanged
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            return exchanged
        finally:
            del self._pending[digest]

    async def _exchange(self, secret: str, request_id: str) -> Exchanged:
        if self.token_url is None:
            raise ServiceUnavailable("no identity service to check API keys",
                                     code="upstream_unavailable")
        started = time.monotonic()
        try:
            response = await self.client.post(
                self.token_url, data={"grant_type": "api_key", "api_key": secret},
                headers={"x-request-id": request_id}, timeout=EXCHANGE_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            API_KEY_EXCHANGES.labels("failed").inc()
            raise ServiceUnavailable("identity is unavailable to check the API key",
                                     code="upstream_unavailable",
                                     headers={"Retry-After": "2"}) from exc
        if 400 <= response.status_code < 500:
            API_KEY_EXCHANGES.labels("refused").inc()
            answer = Response(response.content, status_code=response.status_code)
            for name in PASSED_HEADERS:
                if name in response.headers:
                    answer.headers[name] = response.headers[name]
            raise UpstreamAnswer(answer)
        try:
            if response.status_code != 200:
                raise ValueError(f"status {response.status_code}")
            body = response.json()
            token = str(body["access_token"])
            expires_in = int(body["expires_in"])
            claims = await self.verifier.verify(token)
        except (ValueError, KeyError, TypeError, Problem) as exc:
            API_KEY_EXCHANGES.labels("failed").inc()
            log.warning("API key exchange at identity failed: %s", exc)
            raise ServiceUnavailable("identity could not check the API key",
                                     code="api_key_exchange_failed",
                                     headers={"Retry-After": "2"}) from exc
        API_KEY_EXCHANGES.labels("exchanged").inc()
        return Exchanged(token, claims, started + expires_in - REFRESH_MARGIN_SECONDS)
