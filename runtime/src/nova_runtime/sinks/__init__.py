"""Telemetry sinks for metrics systems, each behind an optional extra.

* :class:`PrometheusSink`: ``pip install nova-gen[prometheus]`` (or ``prometheus-client``)
* :class:`OpenTelemetrySink`: ``pip install nova-gen[otel]`` (or ``opentelemetry-api``)

Importing this package never imports those libraries; constructing a sink does.
"""

from .otel import OpenTelemetrySink
from .prometheus import PrometheusSink

__all__ = ["OpenTelemetrySink", "PrometheusSink"]
