"""nova-gen: typed Python WebSocket clients from a protocol spec."""

__version__ = "0.1.0"
