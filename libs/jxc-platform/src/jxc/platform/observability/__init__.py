"""Metrics, traces and logs, set up once per process."""

from jxc.platform.observability.logs import configure_logging
from jxc.platform.observability.metrics import metrics_response
from jxc.platform.observability.tracing import configure_tracing

__all__ = ["configure_logging", "configure_tracing", "metrics_response"]
