"""Credentials, login params, tokens and their refresh, without I/O.

Why a :class:`Secret` type: API keys end up in logs through the most innocent paths
(an f-string, ``repr`` of a params dict, a dataclass repr, an exception message). A
value that prints as ``***`` everywhere and must be asked for with ``.reveal()`` makes
the leak impossible by accident; the one place that reveals is building the frame to
send, and frames are logged through :meth:`AuthState.redact`.

Why the refresh margin: a token refreshed exactly at expiry races every request sent
in the meantime, so :class:`AuthState` asks for a refresh a margin before it (10% of
the lifetime, at least 5 s, and never before half of it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import deque
from collections.abc import Callable, Collection, Mapping
from typing import Any, NoReturn

from ..errors import MissingCredential
from ..logs import redact
from ..pointer import MISSING, getter
from ..protocol import Auth
from ..template import fill

__all__ = [
    "AuthState",
    "MissingCredential",
    "Secret",
    "SignHook",
    "resolve_credentials",
]

_MASK = "***"


class Secret:
    """A secret string that shows as ``***`` in ``str``, ``repr``, ``format`` and ``%s``.

    ``.reveal()`` gives the value. Secrets compare equal by value (in constant time),
    refuse to be pickled, and copy as themselves (they are immutable).
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The secret value itself: only for what goes on the wire."""
        return self._value

    def __str__(self) -> str:
        return _MASK

    def __repr__(self) -> str:
        return _MASK

    def __format__(self, format_spec: str) -> str:
        return format(_MASK, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Secret is immutable")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("a Secret cannot be pickled; pass credentials again instead")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: object) -> Secret:
        return self


SignHook = Callable[[str, dict[str, Any]], dict[str, Any]]
"""``(wire method, params) -> params``: signs a request the spec cannot describe.

Called with the params about to be sent (credentials already substituted) and returns
the params to send instead, e.g. with a timestamp and an HMAC added. Use it for
signature schemes the spec's ``auth.signature`` cannot describe (a JWT per message, an
asymmetric key); it must not do I/O.
"""


def resolve_credentials(
    auth: Auth,
    given: Mapping[str, str | None],
    environ: Mapping[str, str],
    provided: Collection[str] = (),
) -> dict[str, Secret]:
    """Every credential the spec declares, from ``given`` (winning) or its env variable.

    ``None`` and ``""`` count as not given. Names in ``provided`` come from a credential
    provider before each connection attempt: they are neither looked up nor missing.
    Values in ``given`` that the spec does not declare are kept too (a :data:`SignHook`
    may need them). Every value is wrapped in :class:`Secret`, even non-secret ids: that
    is harmless and leaves one rule.
    """
    found: dict[str, Secret] = {name: Secret(v) for name, v in given.items() if v}
    for cred in auth.credentials:
        if cred.name in found or cred.name in provided:
            continue
        value = environ.get(cred.env) if cred.env else None
        if not value:
            raise MissingCredential(cred.name, cred.env)
        found[cred.name] = Secret(value)
    return found


def _substitute(template: Any, values: Mapping[str, Secret | str]) -> Any:
    """A copy of ``template`` with ``{name}`` placeholders replaced by revealed values
    (the one template mechanism, :func:`..template.fill`); unknown names stay."""
    revealed = {
        k: v.reveal() if isinstance(v, Secret) else v for k, v in values.items()
    }
    return fill(template, revealed)


def _optional_getter(pointer: str | None) -> Callable[[Any], Any]:
    if pointer is None:
        return lambda doc: MISSING
    return getter(pointer)


class AuthState:
    """The login state of one client: its token, when it expires and when to refresh it.

    Connection-scoped: :meth:`reset` forgets the token when the connection is lost (the
    refresh token survives, since it may still be usable for a quick re-login).
    """

    def __init__(
        self,
        auth: Auth,
        credentials: Mapping[str, Secret],
        refresh_margin: float = 0.1,
        min_margin: float = 5.0,
    ) -> None:
        self.auth = auth
        self.credentials = dict(credentials)
        self.refresh_margin = refresh_margin
        self.min_margin = min_margin
        self.authenticated = False
        self.token: Secret | None = None
        self.expires_at: float | None = None
        """Monotonic seconds at which the token expires; None when it does not say."""
        self.refresh_token: Secret | None = None
        self._expires_in: float | None = None
        self._held: deque[Secret] = deque(maxlen=64)
        """Every token, refresh token and signature this client obtained or made,
        newest last (bounded): redacted from logs and errors even after they expired,
        since a server or a log line may still echo an old one."""
        self._get_token = _optional_getter(auth.token)
        self._get_expires_in = _optional_getter(auth.expires_in)
        self._get_refresh_token = _optional_getter(auth.refresh_token)

    def _credential(self, name: str) -> Secret:
        secret = self.credentials.get(name)
        if secret is None:
            env = next((c.env for c in self.auth.credentials if c.name == name), None)
            raise MissingCredential(name, env)
        return secret

    def login_params(self, now_ms: int, nonce: str) -> dict[str, Any]:
        """The params of the login request: ``auth.params`` with the credentials, and with
        an ``auth.signature`` also ``{timestamp}`` (from ``now_ms``, wall-clock
        milliseconds, in the signature's unit), ``{nonce}``, ``{method}`` and the
        signature itself (see :class:`~..protocol.Signature`). Raises
        :class:`MissingCredential` when the signing key was not given. The result holds
        revealed values: log it only through :meth:`redact`.
        """
        spec = self.auth.signature
        if spec is None:
            params: dict[str, Any] = _substitute(self.auth.params, self.credentials)
            return params
        stamp = now_ms // 1000 if spec.timestamp_unit == "s" else now_ms
        values: dict[str, Any] = {
            **self.credentials,
            "timestamp": str(stamp) if spec.timestamp_type == "string" else stamp,
            "nonce": nonce,
            "method": self.auth.request,
        }
        key = self._credential(spec.key).reveal()
        message = str(_substitute(spec.message, values))
        digest = hmac.new(
            key.encode(), message.encode(), getattr(hashlib, spec.hmac)
        ).digest()
        text = (
            digest.hex()
            if spec.encoding == "hex"
            else base64.b64encode(digest).decode()
        )
        values[spec.into] = self._hold(text)
        signed: dict[str, Any] = _substitute(self.auth.params, values)
        return signed

    def refresh_params(self) -> dict[str, Any] | None:
        """The params of a token refresh (``auth.refresh_params`` with ``{refresh_token}``
        substituted), or None without a refresh token or a refresh template."""
        template = self.auth.refresh_params
        if template is None or self.refresh_token is None:
            return None
        values = {**self.credentials, "refresh_token": self.refresh_token}
        params: dict[str, Any] = _substitute(template, values)
        return params

    def on_login_result(self, result: Any, now: float) -> None:
        """Take the token, its lifetime (seconds) and the refresh token from a login or
        refresh reply received at ``now``. A reply without a new refresh token keeps
        the old one."""
        token = self._get_token(result)
        self.token = (
            self._hold(str(token))
            if token is not MISSING and token is not None
            else None
        )
        expires_in = self._get_expires_in(result)
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
            self._expires_in = float(expires_in)
            self.expires_at = now + float(expires_in)
        else:
            self._expires_in = None
            self.expires_at = None
        refresh = self._get_refresh_token(result)
        if isinstance(refresh, str) and refresh:
            self.refresh_token = self._hold(refresh)
        self.authenticated = True

    def refresh_at(self) -> float | None:
        """When to refresh: ``expires_at - max(min_margin, refresh_margin * expires_in)``,
        but never before half the token's lifetime (so a short-lived token does not ask
        for a refresh the moment it arrives). None when the token does not expire."""
        if self.expires_at is None or self._expires_in is None:
            return None
        lifetime = self._expires_in
        margin = max(self.min_margin, self.refresh_margin * lifetime)
        return self.expires_at - min(margin, lifetime / 2)

    def refresh_due(self, now: float) -> bool:
        """Whether it is time to refresh the token."""
        at = self.refresh_at()
        return at is not None and now >= at

    def reset(self) -> None:
        """The connection is lost: connection-scoped auth is gone (the refresh token stays)."""
        self.authenticated = False
        self.token = None
        self.expires_at = None
        self._expires_in = None

    def _hold(self, value: str) -> Secret:
        secret = Secret(value)
        self._held.append(secret)
        return secret

    def secret_values(self) -> list[str]:
        """Every secret value this client holds or held: the credentials, and each token,
        refresh token and login signature it obtained or computed (revealed: only for
        redaction)."""
        values = [s.reveal() for s in self.credentials.values()]
        values += [s.reveal() for s in self._held]
        return values

    def redact(self, text: str) -> str:
        """``text`` with every secret value of :meth:`secret_values`, raw or as escaped
        inside a JSON string, replaced by ``***`` (see :func:`..logs.redact`)."""
        return redact(text, self.secret_values(), _MASK)

    def __repr__(self) -> str:
        return f"<AuthState authenticated={self.authenticated} expires_at={self.expires_at}>"
