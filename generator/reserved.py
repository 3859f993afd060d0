"""The names generated code reserves, per namespace; a spec name landing on one is suffixed.

Attributes of the runtime classes the generated ones subclass are read from the runtime's
source (every name a class body binds, every ``self.<name> =`` in it, the same for its
runtime base classes, and ``dir`` of the classes outside the runtime it derives from), so a
new runtime attribute is reserved without anyone remembering to list it. The source is
parsed, not imported: importing ``nova_runtime.client`` loads asyncio and the client's
machinery, about a tenth of a fresh ``nova-gen`` process, for two sets of names.
``tests/generator/test_reserved.py`` checks the result against ``dir`` of the imported
classes, and every generated example against the module names.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import sys

from .naming import KEYWORDS


def attributes(module: str, qualname: str) -> frozenset[str]:
    """Every attribute an instance of the top-level class ``qualname`` of the runtime
    module ``module`` (``nova_runtime.client``) can have, read from the source: what ``dir``
    of the class shows but for the names ``type`` itself adds to a class (``__dict__``,
    ``__weakref__``, ``__module__``, ``__orig_bases__``, ``__parameters__``; no planned name
    starts with ``__``), and instance attributes assigned as ``self.<name>``.

    Raises LookupError when the class, or a runtime class it derives from, is not defined
    at the top level of its module."""
    names: set[str] = set(dir(object))
    pending = [(module, qualname)]
    while pending:
        module, qualname = pending.pop()
        tree = _module_tree(module)
        cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == qualname), None)
        if cls is None:
            raise LookupError(f"class {qualname} not found at the top level of {module}")
        names |= _bound_in_class(cls.body)
        for node in ast.walk(cls):
            for target in _targets(node):
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        names.add(t.attr)
        for base in cls.bases:
            found = _base(tree, module, base.value if isinstance(base, ast.Subscript) else base)
            if isinstance(found, tuple):
                pending.append(found)
            else:
                names |= set(dir(found))
    return frozenset(names)


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        return [node.target]
    return []


def _bound_in_class(body: list[ast.stmt]) -> set[str]:
    """The names a class body binds: functions, classes, assignments, also inside the
    ``if``/``try``/``with``/``for`` statements of the body (not inside functions)."""
    names: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        for target in _targets(node):
            names.update(t.id for t in ast.walk(target) if isinstance(t, ast.Name))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).partition(".")[0] for a in node.names)
        for field in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(getattr(node, field, ()))
    return names


def _base(tree: ast.Module, module: str, node: ast.expr) -> tuple[str, str] | object:
    """A base class named in ``module``: (module, name) for a class of the same package (the
    runtime), read from its source in turn; the class object for a builtin or one imported
    from elsewhere (``typing.Generic``)."""
    if isinstance(node, ast.Name):
        if any(isinstance(n, ast.ClassDef) and n.name == node.id for n in tree.body):
            return (module, node.id)
        for n in tree.body:
            if not isinstance(n, ast.ImportFrom):
                continue
            for alias in n.names:
                if (alias.asname or alias.name) == node.id:
                    source = importlib.util.resolve_name("." * n.level + (n.module or ""), module.rpartition(".")[0])
                    if source.partition(".")[0] == module.partition(".")[0]:
                        return (source, alias.name)
                    imported: object = getattr(importlib.import_module(source), alias.name)
                    return imported
        builtin: object = getattr(builtins, node.id, None)
        if isinstance(builtin, type):
            return builtin
    raise LookupError(f"base class {ast.unparse(node)} of a class in {module} not found")


def _module_tree(module: str) -> ast.Module:
    """The syntax tree of a runtime module, parsed from its file without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise LookupError(f"no source for {module}")
    with open(spec.origin, encoding="utf-8") as file:
        return ast.parse(file.read(), spec.origin)


CLIENT_ATTRIBUTES = attributes("nova_runtime.client", "BaseClient") | {"connect"}
"""Attributes of ``BaseClient`` and ``connect``, which the generated client class defines."""
HANDLER_ATTRIBUTES = attributes("nova_runtime.handlers", "BaseHandlers")

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
