"""Prometheus metrics. Defined once per process and labelled by service, so
that several services can share a process in tests."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.responses import Response

HTTP_REQUESTS = Counter(
    "jxc_http_requests", "HTTP requests served", ["service", "method", "route", "status"])
HTTP_DURATION = Histogram(
    "jxc_http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
MESSAGES_HANDLED = Counter(
    "jxc_messages_handled", "Messages handled by consumers",
    ["service", "consumer", "type", "outcome"])
MESSAGE_DURATION = Histogram(
    "jxc_message_handle_duration_seconds", "Time to apply a batch of messages",
    ["service", "consumer"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
OUTBOX_BACKLOG = Gauge("jxc_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_PUBLISHED = Counter("jxc_outbox_published", "Outbox rows published", ["service"])
CONSUMER_LAG = Gauge(
    "jxc_consumer_lag", "Messages behind the partition's end", ["service", "group", "topic",
                                                                  "partition"])
AUDIT_WRITE_FAILURES = Counter(
    "jxc_audit_write_failures", "Audit records lost because they could not be written to the "
    "outbox", ["service"])
SAGAS = Counter("jxc_saga_transitions", "Saga status transitions", ["service", "saga", "status"])
SAGAS_OPEN = Gauge("jxc_sagas_open", "Sagas running or compensating", ["service", "saga"])


def metrics_response() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
