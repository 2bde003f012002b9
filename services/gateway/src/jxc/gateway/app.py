"""The gateway: one front door. It authenticates every request except the
public ones, rate-limits, answers Idempotency-Key replays, forwards the rest
streaming with a request id and the trace context, and serves the merged API
docs, the AsyncAPI document, health and metrics (see :mod:`.edge`)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from jxc.contracts import asyncapi
from jxc.gateway.docs import merged_openapi
from jxc.gateway.edge import Edge, EdgeMetrics
from jxc.gateway.headers import EdgeHeaders, docs_csp
from jxc.gateway.proxy import ProxyResponse, open_upstream
from jxc.gateway.redis_guard import RedisGuard
from jxc.gateway.settings import GatewaySettings
from jxc.platform.auth import JwksVerifier, http_jwks_fetcher
from jxc.platform.errors import install_error_handlers
from jxc.platform.health import router as health_router
from jxc.platform.observability import configure_logging, configure_tracing, metrics_response
from jxc.platform.observability.tracing import instrument_app

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CORS_REQUEST_HEADERS = ["authorization", "content-type", "idempotency-key", "if-match",
                        "if-none-match", "x-request-id", "traceparent", "tracestate"]
CORS_EXPOSED_HEADERS = ["x-request-id", "etag", "location", "retry-after", "ratelimit-limit",
                        "ratelimit-remaining", "idempotent-replayed"]


def _swagger_page() -> tuple[bytes, list[str]]:
    """Swagger UI's page and the CSP hashes of its inline scripts."""
    page = get_swagger_ui_html(openapi_url="/openapi.json", title="JXC API").body
    scripts = re.findall(rb"<script>(.*?)</script>", bytes(page), re.DOTALL)
    return bytes(page), [base64.b64encode(hashlib.sha256(s).digest()).decode() for s in scripts]


def create_gateway(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_tracing("gateway", settings.otlp_endpoint)
    swagger_page, swagger_hashes = _swagger_page()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        limits = httpx.Limits(max_connections=settings.upstream_max_connections,
                              max_keepalive_connections=settings.upstream_max_keepalive_connections,
                              keepalive_expiry=settings.upstream_keepalive_expiry_seconds)
        redis = RedisGuard(settings.redis_url, settings.redis_timeout_seconds,
                           settings.redis_retry_after_failure_seconds)
        async with httpx.AsyncClient(timeout=settings.timeout_for("/"), limits=limits) as client:
            verifier = JwksVerifier(http_jwks_fetcher(settings.jwks_url), settings.jwt_issuer,
                                    settings.jwt_audience, settings.jwks_cache_seconds)
            app.state.client = client
            app.state.verifier = verifier
            app.state.edge = Edge(settings, client, verifier, redis)

            async def identity_reachable() -> bool:
                response = await client.get(settings.jwks_url, timeout=2.0)
                return response.status_code == 200

            app.state.readiness_checks = {"identity": identity_reachable}
            try:
                yield
            finally:
                await redis.close()

    app = FastAPI(title="JXC gateway", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    install_error_handlers(app)
    app.add_middleware(EdgeMetrics)
    origins = settings.allowed_origins()
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(origins), allow_methods=METHODS,
                           allow_headers=CORS_REQUEST_HEADERS,
                           expose_headers=CORS_EXPOSED_HEADERS, max_age=600)
    app.include_router(health_router)
    app.add_api_route("/metrics", metrics_response, include_in_schema=False)
    instrument_app(app)

    # Outermost, around Starlette's own error handling too: every answer,
    # a 500 included, carries the request id and the security headers.
    build_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        return EdgeHeaders(build_stack(), hsts_seconds=settings.hsts_seconds,
                           hsts_always=settings.env == "prod",
                           html_csp={"/docs": docs_csp(swagger_hashes)})

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(await merged_openapi(request.app.state.client, settings.upstreams,
                                                 app.version, settings.public_routes))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(swagger_page)

    @app.get("/asyncapi.json", include_in_schema=False)
    @app.get("/asyncapi", include_in_schema=False)
    async def events() -> JSONResponse:
        return JSONResponse(asyncapi.document(app.version))

    @app.get("/.well-known/jwks.json", include_in_schema=False)
    async def jwks(request: Request) -> Response:
        edge: Edge = request.app.state.edge
        upstream = await open_upstream(
            edge.client, settings.upstreams.get("identity"), "identity", request, content=None,
            authorization=None, timeout=edge.timeout("/.well-known/jwks.json"))
        return ProxyResponse(upstream)

    @app.api_route("/api/v1/{service}/{path:path}", methods=METHODS, include_in_schema=False)
    async def route(service: str, path: str, request: Request) -> Response:
        edge: Edge = request.app.state.edge
        return await edge.handle(service, request)

    return app
