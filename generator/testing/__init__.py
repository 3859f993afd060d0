"""Test support: a local WebSocket server that speaks a spec, built from its examples.

``python -m nova_gen.testing SPEC`` serves a spec on 127.0.0.1 until Ctrl-C.
"""

from .errors import ServerErrors
from .faults import ErrorReply
from .framing import Framer, IncomingRequest
from .ratelimit import MessageLimit
from .server import SpecServer

__all__ = ["ErrorReply", "Framer", "IncomingRequest", "MessageLimit", "ServerErrors", "SpecServer"]
