"""Channel address templates such as ``ticker.{instrument_name}.{interval}``, as regexes."""

from __future__ import annotations

import re
from typing import Any

from nova_runtime.template import PLACEHOLDER

from ..ir import Channel


class AddressTemplate:
    """Matches concrete addresses against one channel's template and extracts parameters.

    A parameter whose schema has an ``enum`` or ``const`` only matches those values, so
    ``book.{name}.{depth}`` with an enum depth splits ``book.A.B.10`` correctly; any other
    parameter matches one or more characters, shortest first.
    """

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        schemas: dict[str, dict[str, Any]] = {
            p.name: p.schema for p in channel.parameters
        }
        self.names: list[str] = []
        pattern: list[str] = []
        pos = 0
        for m in PLACEHOLDER.finditer(channel.address):
            pattern.append(re.escape(channel.address[pos : m.start()]))
            name = m.group(1)
            self.names.append(name)
            pattern.append(f"({value_pattern(schemas.get(name, {}))})")
            pos = m.end()
        pattern.append(re.escape(channel.address[pos:]))
        self.regex = re.compile("".join(pattern))

    def match(self, address: str) -> dict[str, str] | None:
        """The parameters of ``address`` (as strings), or None when it does not match."""
        m = self.regex.fullmatch(address)
        if m is None:
            return None
        return dict(zip(self.names, m.groups(), strict=True))


def value_pattern(schema: dict[str, Any]) -> str:
    values: list[Any] | None = None
    if "const" in schema:
        values = [schema["const"]]
    elif isinstance(schema.get("enum"), list):
        values = list(schema["enum"])
    if values:
        alternatives = sorted(
            (re.escape(value_text(v)) for v in values), key=len, reverse=True
        )
        return "|".join(alternatives)
    return ".+?"


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def same_parameters(example: dict[str, Any], address: dict[str, str]) -> bool:
    """Whether an example's parameters are those of an address (compared as text)."""
    if set(example) != set(address):
        return False
    return all(value_text(v) == address[k] for k, v in example.items())
