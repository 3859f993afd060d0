"""Which requests become public methods, and which of them wait for a reply.

A request that exists to implement a subscription (its subscribe or unsubscribe) is
protocol plumbing: the runtime sends it with what only the runtime holds (the channel
addresses, the subscription id the server assigned or the operation id it chose) and routes
what the server then sends to the subscription. Called directly, it would subscribe with no
routing (every notification an unknown frame, no entry in the client's diagnostics), so
such a request gets no method by default: the channel's ``subscribe_*`` method is the way to
call it. A spec that wants one anyway writes ``public: true`` on the request (GraphQL's
subscribe is also the way to run a query or a mutation). Even then, some cannot be called
correctly: when the request's own params cannot carry what the runtime holds, a method
would send a frame the server rejects (``eth_unsubscribe`` with ``params: {}``) or one that
breaks the protocol (a graphql-transport-ws ``complete`` without the operation id closes the
socket with 4400), so it is not generated and the checks warn (NOVA081). One exception: a
subscribe whose id is the request's own id (``subscription_id: request``) and whose reply the
envelope recognises is one operation when called alone (a GraphQL query or mutation,
answered by its first result).

A request waits for a reply only when something can recognise that reply: a ``response``
rule of the envelope (or, for a request without a correlation id, its own ``reply_when``),
and not the subscribe or unsubscribe of a subscription acked by an uncorrelated frame
(``ack: match`` or ``none``: OKX answers ``{"event": "subscribe", ...}`` without the id).
Otherwise the call would always time out, so it is generated as a send (NOVA080).
"""

from __future__ import annotations

from . import ir

__all__ = ["awaits_reply", "is_public", "is_plumbing", "plumbing_reason"]


def is_plumbing(api: ir.Api, request: ir.Request) -> bool:
    """True when ``request`` is the subscribe or unsubscribe of a subscription."""
    return any(request.name in (family.subscribe, family.unsubscribe) for family in api.subscriptions)


def plumbing_reason(api: ir.Api, request: ir.Request) -> str | None:
    """Why ``request`` cannot be called correctly on its own, or None when it can."""
    for family in api.subscriptions:
        if request.name not in (family.subscribe, family.unsubscribe):
            continue
        role = "subscribe" if request.name == family.subscribe else "unsubscribe"
        if family.subscription_id == "request" and role == "subscribe" and awaits_reply(api, request):
            # The id is the request's own (GraphQL): called alone, it is one operation whose
            # first result is the reply (a query or a mutation).
            continue
        if family.subscription_id is not None:
            owner = "the client chooses" if family.subscription_id == "request" else "the server assigns"
            return (
                f"it is the {role} of subscription {family.name!r}, which works by ids {owner} "
                "and only the runtime holds"
            )
        if not request.params:
            return (
                f"it is the {role} of subscription {family.name!r}, whose channel addresses the "
                "runtime puts into its params, and it declares no params of its own"
            )
    return None


def is_public(api: ir.Api, request: ir.Request) -> bool:
    """True when ``request`` is generated as a method of the client: ``public: true``, or not
    written and no subscription's plumbing; never when it cannot be called correctly."""
    if request.public is None:
        return not is_plumbing(api, request)
    return request.public and plumbing_reason(api, request) is None


def awaits_reply(api: ir.Api, request: ir.Request) -> bool:
    """True when the generated method waits for (and returns) the request's reply."""
    if not request.reply:
        return False
    if not request.correlated:
        return request.reply_when is not None
    for family in api.subscriptions:
        if (
            request.name in (family.subscribe, family.unsubscribe)
            and family.ack != "reply"
            and family.subscription_id != "request"
        ):
            return False  # answered, if at all, by the subscription's uncorrelated ack
    return api.envelope.response is not None
