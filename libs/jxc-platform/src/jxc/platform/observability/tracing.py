"""OpenTelemetry: one tracer provider per process, exported by OTLP/HTTP when
an endpoint is configured."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.dependencies import get_dependency_conflicts
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy.ext.asyncio import AsyncEngine

_provider: TracerProvider | None = None
_exporting_to: set[str] = set()


def configure_tracing(service: str, otlp_endpoint: str | None) -> TracerProvider:
    """Install the process's tracer provider (the first caller names the
    process) and export to ``otlp_endpoint`` when one is configured."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": f"jxc-{service}"}))
        trace.set_tracer_provider(_provider)
        HTTPXClientInstrumentor().instrument()
    if otlp_endpoint and otlp_endpoint not in _exporting_to:
        _exporting_to.add(otlp_endpoint)
        _provider.add_span_processor(BatchSpanProcessor(
            OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces"),
            schedule_delay_millis=200))
    return _provider


def instrument_app(app: FastAPI) -> None:
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def instrument_engine(engine: AsyncEngine) -> None:
    """Trace SQL statements when the installed SQLAlchemy is one the
    instrumentation supports (it lags behind SQLAlchemy releases)."""
    instrumentor = SQLAlchemyInstrumentor()
    if get_dependency_conflicts(instrumentor.instrumentation_dependencies()) is None:
        instrumentor.instrument(engine=engine.sync_engine)


def flush() -> None:
    if _provider is not None:
        _provider.force_flush(5000)
