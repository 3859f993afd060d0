"""The names generated code reserves, per namespace; a spec name landing on one is suffixed.

Attributes of the runtime classes the generated ones subclass are found by introspection
(``dir`` plus every ``self.<name> =`` in their source), so a new runtime attribute is
reserved without anyone remembering to list it. Module names are those the templates
import; ``tests/generator/test_reserved.py`` checks every generated example against them.
"""

from __future__ import annotations

import ast
import inspect
import sys

from nova_runtime.client import BaseClient
from nova_runtime.handlers import BaseHandlers

from .naming import KEYWORDS


def attributes(cls: type) -> frozenset[str]:
    """Every attribute an instance of ``cls`` can have: class attributes and methods
    (``dir``), and instance attributes assigned as ``self.<name>`` in the runtime's classes."""
    names = set(dir(cls))
    for base in cls.__mro__:
        if base.__module__.partition(".")[0] != "nova_runtime":
            continue
        for node in ast.walk(_class_tree(base.__module__, base.__qualname__)):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for target in targets:
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        names.add(t.attr)
    return frozenset(names)


def _class_tree(module: str, qualname: str) -> ast.ClassDef:
    """The syntax tree of a top-level class, from its module's source parsed whole (in C;
    ``inspect.getsource`` finds a class by tokenizing in Python, several times slower)."""
    source = inspect.getsource(sys.modules[module])
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name == qualname:
            return node
    raise LookupError(f"class {qualname} not found at the top level of {module}")


CLIENT_ATTRIBUTES = attributes(BaseClient) | {"connect"}
"""Attributes of ``BaseClient`` and ``connect``, which the generated client class defines."""
HANDLER_ATTRIBUTES = attributes(BaseHandlers)

METHODS = CLIENT_ATTRIBUTES | KEYWORDS
"""Names a request or channel method of the generated client cannot take."""
HOOKS = HANDLER_ATTRIBUTES | KEYWORDS
"""Names a hook of the generated handlers class cannot take."""

MODULE_IMPORTS = frozenset(
    {
        # client.py
        "Any", "Literal", "BaseClient", "ConnectOptions", "Connector", "Subscription", "Handshake",
        "secret", "CredentialProvider", "dump_params", "send_only", "request_next", "models",
        # channels.py, handlers.py, _protocol.py, errors.py, __init__.py
        "dataclass", "BaseHandlers", "default_hook", "TypeAdapter", "p", "errors", "ServerError",
        "ConnectFailed", "ConnectInfo", "ConnectionLost", "Diagnostics", "DisconnectReason",
        "MissingCredential", "NovaError", "RateLimited", "ReconnectDecision", "ReconnectPolicy",
        "RequestTimeout", "SubscriptionError", "SubscriptionOverflow", "HookNameError",
        "InvalidArguments", "not_a_hook",
        # _runtime_check.py (and RUNTIME_REQUIREMENT in __init__.py)
        "RUNTIME_REQUIREMENT", "require_runtime",
    }
)
"""Names the generated modules import; the planner's own module-level names (constants,
classes) are added per spec."""
MODULE_CONSTANTS = frozenset({"PROTOCOL", "SPEC_FINGERPRINT"})

LOCALS = frozenset(
    {
        "self", "cls", "timeout", "wire_params", "handshake", "server", "url", "handlers", "request_timeout",
        "options", "dict", "str", "object", "int", "float", "bool", "list", "None",
    }
)
"""Names the generated method bodies bind or read besides module names (arguments of
``connect()``, locals, and the builtins that bodies and field annotations name)."""

ARGUMENTS = LOCALS | MODULE_IMPORTS | MODULE_CONSTANTS | KEYWORDS
"""Names a keyword argument (request or channel parameter, handshake argument, credential)
or a channel field cannot take; the spec's constants and classes are added per spec."""

RUNTIME_EXPORTS = (
    "ConnectFailed",
    "ConnectInfo",
    "ConnectionLost",
    "ConnectOptions",
    "Diagnostics",
    "DisconnectReason",
    "HookNameError",
    "InvalidArguments",
    "MissingCredential",
    "NovaError",
    "RateLimited",
    "ReconnectDecision",
    "ReconnectPolicy",
    "RequestTimeout",
    "ServerError",
    "Subscription",
    "SubscriptionError",
    "SubscriptionOverflow",
    "not_a_hook",
)
"""The runtime's names a generated package re-exports (``from deribit import RequestTimeout``),
in import order."""

ERRORS = frozenset(RUNTIME_EXPORTS) | KEYWORDS
"""Names an exception class in errors.py cannot take (besides the API's base error): an error
``errors.RequestTimeout`` next to the package's ``RequestTimeout`` (the runtime's) would be two
classes of one name, caught one for the other."""

PACKAGES = (
    frozenset(sys.stdlib_module_names)
    | KEYWORDS
    | frozenset(
        {"nova_gen", "nova_runtime", "websockets", "pydantic", "pydantic_core", "typing_extensions", "annotated_types"}
    )
)
"""Package names that would shadow a module generated code or its runtime imports: the
standard library, the runtime's dependencies, and keywords (``import async`` is a syntax error)."""
PACKAGE_MAX_LENGTH = 100
"""Longer package names are rejected: the name is a folder name, limited by file systems."""
