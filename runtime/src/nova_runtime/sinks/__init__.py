"""Telemetry sinks for metrics systems, each behind an optional extra.

* :class:`PrometheusSink`: ``pip install nova-runtime[prometheus]`` (or ``prometheus-client``)
* :class:`OpenTelemetrySink`: ``pip install nova-runtime[otel]`` (or ``opentelemetry-api``)

Importing this package never imports those libraries; constructing a sink does.
"""

from .otel import OpenTelemetrySink
from .prometheus import PrometheusSink

__all__ = ["OpenTelemetrySink", "PrometheusSink"]
