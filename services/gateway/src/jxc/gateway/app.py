"""The gateway: one front door. It authenticates every request except the
public ones, forwards it with a request id and the trace context, and serves
the merged API docs, health and metrics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response

from jxc.contracts import asyncapi
from jxc.gateway.docs import merged_openapi
from jxc.gateway.proxy import RequestIdMiddleware, forward
from jxc.gateway.settings import GatewaySettings
from jxc.platform.app import RedMetrics
from jxc.platform.auth import JwksVerifier, bearer_token, http_jwks_fetcher
from jxc.platform.errors import install_error_handlers
from jxc.platform.health import router as health_router
from jxc.platform.observability import configure_logging, configure_tracing, metrics_response
from jxc.platform.observability.tracing import instrument_app

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def create_gateway(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_tracing("gateway", settings.otlp_endpoint)
    public = {tuple(route.split(" ", 1)) for route in settings.public_routes}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(timeout=settings.upstream_timeout_seconds,
                                     limits=limits) as client:
            app.state.client = client
            app.state.verifier = JwksVerifier(
                http_jwks_fetcher(settings.jwks_url), settings.jwt_issuer,
                settings.jwt_audience, settings.jwks_cache_seconds)

            async def identity_reachable() -> bool:
                response = await client.get(settings.jwks_url, timeout=2.0)
                return response.status_code == 200

            app.state.readiness_checks = {"identity": identity_reachable}
            yield

    app = FastAPI(title="JXC gateway", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    install_error_handlers(app)
    app.add_middleware(RedMetrics, service="gateway")
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health_router)
    app.add_api_route("/metrics", metrics_response, include_in_schema=False)
    instrument_app(app)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(await merged_openapi(request.app.state.client, settings.upstreams,
                                                 app.version))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="JXC API")

    @app.get("/asyncapi.json", include_in_schema=False)
    async def events() -> JSONResponse:
        return JSONResponse(asyncapi.document(app.version))

    @app.get("/.well-known/jwks.json", include_in_schema=False)
    async def jwks(request: Request) -> Response:
        return await forward(request.app.state.client, settings.upstreams, "identity", request)

    @app.api_route("/api/v1/{service}/{path:path}", methods=METHODS, include_in_schema=False)
    async def route(service: str, path: str, request: Request) -> Response:
        if (request.method, request.url.path) not in public:
            await request.app.state.verifier.verify(bearer_token(request))
        return await forward(request.app.state.client, settings.upstreams, service, request)

    return app


