"""JSON pointers (RFC 6901), compiled once and applied many times.

The wire description names every part of a frame with a pointer such as
``/params/channel``. Splitting and unescaping a pointer on every frame would cost more
than the lookup itself, so pointers are compiled ahead of time into tuples of tokens,
and the receive path uses :func:`getter`, which returns a closure specialised for the
pointer's depth (one or two plain dict lookups for the common cases).

A value that is not there is reported as :data:`MISSING`, never as ``None``: JSON
``null`` is a value, and "absent" rules must be able to tell the two apart.

This is the one JSON pointer implementation of nova-gen: the generator (which names
every spec node by its pointer, for ``file:line:col`` diagnostics) imports it too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

__all__ = [
    "MISSING",
    "Missing",
    "compile_pointer",
    "escape_token",
    "get",
    "getter",
    "join_pointer",
    "set_at",
    "unescape_token",
]


class Missing:
    """The type of :data:`MISSING`: the result of a pointer that does not resolve."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = Missing()

Tokens = tuple[str, ...]


def escape_token(token: str) -> str:
    """One reference token as written in a pointer: ``~`` as ``~0``, ``/`` as ``~1``."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """The member name a written reference token stands for (``~1`` is ``/``, ``~0`` is ``~``)."""
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(base: str, token: str | int) -> str:
    """``base`` and one more reference token (a member name or an array index)."""
    return f"{base}/{escape_token(str(token))}"


@lru_cache(maxsize=4096)
def compile_pointer(pointer: str) -> Tokens:
    """Split and unescape a pointer; ``""`` (the whole document) gives ``()``. Raises
    ValueError for text that is not a pointer (it must start with ``/``)."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return tuple(unescape_token(t) for t in pointer[1:].split("/"))


def _step(doc: Any, token: str) -> Any:
    if type(doc) is dict:
        return doc.get(token, MISSING)
    if type(doc) is list and token.isdigit():
        index = int(token)
        if index < len(doc) and (token == "0" or token[0] != "0"):
            return doc[index]
    return MISSING


def get(doc: Any, tokens: Tokens) -> Any:
    """The value at ``tokens`` in ``doc``, or :data:`MISSING`."""
    for token in tokens:
        doc = _step(doc, token)
        if doc is MISSING:
            return MISSING
    return doc


@lru_cache(maxsize=4096)
def getter(pointer: str | Tokens) -> Callable[[Any], Any]:
    """A function returning the value at ``pointer`` in a document, or :data:`MISSING`.

    Cached: every rule of a protocol, in every client of the process, shares its getters.

    Depth 1 and 2 pointers into dicts (nearly every envelope rule) take a fast path
    without a loop; anything else falls back to :func:`get`.
    """
    tokens = compile_pointer(pointer) if isinstance(pointer, str) else pointer
    if not tokens:
        return _identity
    if len(tokens) == 1:
        (a,) = tokens

        def get1(doc: Any) -> Any:
            if type(doc) is dict:
                return doc.get(a, MISSING)
            return get(doc, tokens)

        return get1
    if len(tokens) == 2:
        a, b = tokens

        def get2(doc: Any) -> Any:
            if type(doc) is dict:
                inner = doc.get(a, MISSING)
                if type(inner) is dict:
                    return inner.get(b, MISSING)
            return get(doc, tokens)

        return get2

    def get_n(doc: Any) -> Any:
        return get(doc, tokens)

    return get_n


def _identity(doc: Any) -> Any:
    return doc


def set_at(doc: dict[str, Any], tokens: Tokens, value: Any) -> None:
    """Set ``value`` at ``tokens`` in ``doc``, creating intermediate objects.

    Used only to build outgoing frames, whose structure the envelope dictates, so
    intermediate containers are always objects. ``()`` (the whole document) merges a
    dict value into ``doc``.
    """
    if len(tokens) == 1:  # nearly every envelope field: no intermediate object
        doc[tokens[0]] = value
        return
    if not tokens:
        if not isinstance(value, dict):
            raise TypeError("only an object can be merged into the whole frame")
        doc.update(value)
        return
    for token in tokens[:-1]:
        inner = doc.get(token)
        if not isinstance(inner, dict):
            inner = {}
            doc[token] = inner
        doc = inner
    doc[tokens[-1]] = value
