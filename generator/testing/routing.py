"""Which channels a subscribe request names, and the ids subscriptions get.

A subscribe request carries its addresses one of three ways (``SubscriptionMethod.addresses``):
a list at a pointer of the params (Deribit ``/channels``, OKX ``/args``), merged into the
params (``""`` with object addresses or ``subscribe_params``: Kraken, Coinbase), or as the
params list itself (``""`` with string addresses: Binance). :class:`Router` matches what it
finds against each channel's ``subscribe_params`` (else its address) template.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from typing import Any

from ..ir import Channel, SubscriptionMethod
from .framing import read_at
from .templates import Binding, fill, key_of, match, specificity

SUBSCRIPTION_ID = "subscription_id"
"""The placeholder of ``unsubscribe_params`` that stands for the subscription id."""


@dataclass(frozen=True, slots=True)
class Target:
    """One subscription a request names."""

    channel: Channel
    params: Binding
    """Every parameter bound, subscribe options (Kraken ``depth``) included."""
    address: Any
    """The concrete address: a string, or the filled object/array template."""
    key: str
    """The address as text (canonical JSON for structured ones)."""


class _ChannelTemplate:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.schemas = {p.name: p.schema for p in channel.parameters}
        self.address_template: Any = (
            channel.structured if channel.structured is not None else channel.address
        )
        self.subscribe_template: Any = (
            channel.subscribe_params
            if channel.subscribe_params is not None
            else self.address_template
        )
        self.score = specificity(self.subscribe_template, self.schemas)

    def targets(self, value: Any) -> list[Target] | None:
        bindings = match(self.subscribe_template, value, self.schemas)
        if bindings is None:
            return None
        out = []
        for binding in bindings:
            address = fill(self.address_template, binding, self.schemas)
            out.append(Target(self.channel, binding, address, key_of(address)))
        return out


class Router:
    """Finds the channels and parameters of subscribe and unsubscribe requests."""

    def __init__(self, channels: tuple[Channel, ...]) -> None:
        templates = [_ChannelTemplate(c) for c in channels]
        # The most specific template wins when several match.
        self._templates = sorted(templates, key=lambda t: -t.score)

    def _match_one(self, method: SubscriptionMethod, value: Any) -> list[Target] | None:
        for template in self._templates:
            sub = template.channel.subscription
            if sub and sub != method.name:
                continue
            found = template.targets(value)
            if found is not None:
                return found
        return None

    def targets(self, method: SubscriptionMethod, params: Any) -> tuple[list[Target], list[Any]]:
        """The subscriptions ``params`` names, in order and without repeats, and the
        items that matched no channel."""
        if method.addresses:
            raw = read_at(params, method.addresses, [])
            items = raw if isinstance(raw, list) else [raw]
        else:
            whole = self._match_one(method, params)
            if whole is not None:
                return _unique(whole), []
            items = params if isinstance(params, list) else [params]
        found: list[Target] = []
        unmatched: list[Any] = []
        for item in items:
            targets = self._match_one(method, item)
            if targets is None:
                unmatched.append(item)
            else:
                found.extend(targets)
        return _unique(found), unmatched


def _unique(targets: list[Target]) -> list[Target]:
    seen: set[str] = set()
    out = []
    for t in targets:
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out


def id_in_unsubscribe(method: SubscriptionMethod, params: Any, request_id: Any) -> Any:
    """The subscription id an unsubscribe request names, or None."""
    if method.unsubscribe_params is not None:
        names: dict[str, dict[str, Any]] = {SUBSCRIPTION_ID: {}}
        bindings = match(method.unsubscribe_params, params, names)
        if bindings:
            return bindings[0].get(SUBSCRIPTION_ID)
        return None
    if method.subscription_id == "request":
        return request_id
    return None


class IdMaker:
    """Fresh subscription ids shaped like the subscribe example's (``0x`` + hex by default)."""

    def __init__(self, example: Any = None) -> None:
        self._example = example
        self._counter = itertools.count(1)

    def make(self, request_id: Any, method: SubscriptionMethod) -> Any:
        if method.subscription_id == "request":
            return request_id
        example = self._example
        if isinstance(example, bool) or example is None:
            return "0x" + secrets.token_hex(16)
        if isinstance(example, int):
            return next(self._counter)
        text = str(example)
        if text.startswith("0x"):
            return "0x" + secrets.token_hex(max(1, (len(text) - 2 + 1) // 2))[: len(text) - 2]
        return secrets.token_hex(max(1, (len(text) + 1) // 2))[: len(text)]
