"""Login, token refresh and authorisation for the test server, driven by ``api.auth``.

When the spec's login request (``api.auth.request``) arrives, :class:`AuthServer` checks the
credentials (if the test gave any), mints a fresh token pair ``tok-<n>`` /
``refresh-<n>`` and answers with the login example's result, the token, refresh token and
lifetime written at the spec's pointers where the example has them (nothing invented: an
example that answers ``null`` is answered ``null``, and the connection is authorised). It also tells which wire methods need an
authorised connection (``requires_auth`` on requests and subscription methods).

Deribit's ``client_signature`` grant is verified for real when the expected credentials
carry a ``client_secret``: ``signature == hex(HMAC-SHA256(secret,
f"{timestamp}\\n{nonce}\\n{data}"))``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..ir import Api, Request
from .faults import ErrorReply
from .framing import has_at, read_at, write_at

__all__ = ["AuthServer", "LoginResult", "client_signature"]

INVALID_CREDENTIALS = ErrorReply(13004, "invalid_credentials")
UNAUTHORIZED = ErrorReply(13009, "unauthorized")
DEFAULT_LIFETIME = 900.0


def client_signature(secret: str, timestamp: Any, nonce: str, data: str = "") -> str:
    """Deribit's ``client_signature``: hex HMAC-SHA256 of ``timestamp\\nnonce\\ndata``."""
    message = f"{timestamp}\n{nonce}\n{data}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What to answer a login request with: a result and its token, or an error."""

    result: Any = None
    token: str | None = None
    error: ErrorReply | None = None


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{") and value.endswith("}")


class AuthServer:
    """Token issuing and checking for one API; thread-safe.

    Counters: :attr:`logins` (successful credential logins), :attr:`refreshes`
    (successful refresh-token logins); :attr:`login_params` records the params of every
    login attempt, in order.
    """

    def __init__(
        self,
        api: Api,
        *,
        token_lifetime: float | None = None,
        expected_credentials: dict[str, Any] | None = None,
        unauthorized_error: ErrorReply = UNAUTHORIZED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.auth = api.auth
        self.expected_credentials = expected_credentials
        self.unauthorized_error = unauthorized_error
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        """Token -> when it expires (clock time)."""
        self._last_refresh: str | None = None
        self._issued = 0
        self.logins = 0
        self.refreshes = 0
        self.login_params: list[Any] = []

        by_name = {r.name: r for r in api.requests}
        self.login_request: Request | None = None
        if self.auth is not None:
            self.login_request = api.request_by_method(self.auth.request) or (
                by_name.get(api.auth_request) if api.auth_request else None
            )
        protected = {r.method for r in api.requests if r.requires_auth}
        for sub in api.subscriptions:
            if sub.requires_auth:
                for name in (sub.subscribe, sub.unsubscribe):
                    if name is not None:
                        req = by_name.get(name)
                        protected.add(req.method if req is not None else name)
        self.protected = frozenset(protected)
        """Wire methods that need an authorised connection."""
        self.token_lifetime = (
            token_lifetime if token_lifetime is not None else self._example_lifetime()
        )

    # -- questions ----------------------------------------------------------------------

    def recorded_logins(self) -> list[Any]:
        """A copy of :attr:`login_params`."""
        with self._lock:
            return list(self.login_params)

    def is_login(self, method: str) -> bool:
        return self.auth is not None and method == self.auth.request

    def requires_auth(self, method: str) -> bool:
        return method in self.protected

    def valid(self, token: str | None) -> bool:
        """Whether ``token`` was issued here and has not expired."""
        if token is None:
            return False
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and self._clock() < expires

    def expire_tokens(self) -> None:
        """Expire every token issued so far, now (refresh tokens stay usable)."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = -math.inf

    # -- login --------------------------------------------------------------------------

    def login(self, params: Any) -> LoginResult:
        """Handle one login request with ``params``."""
        with self._lock:
            self.login_params.append(copy.deepcopy(params))
        p = params if isinstance(params, dict) else {}
        if self._is_refresh(p):
            with self._lock:
                ok = (
                    self._last_refresh is not None
                    and p.get(self._refresh_key()) == self._last_refresh
                )
                if ok:
                    self.refreshes += 1
            if not ok:
                return LoginResult(error=self._login_error())
        else:
            if not self._credentials_ok(p):
                return LoginResult(error=self._login_error())
            with self._lock:
                self.logins += 1
        return self._issue(p)

    def _issue(self, params: dict[str, Any]) -> LoginResult:
        assert self.auth is not None
        with self._lock:
            self._issued += 1
            n = self._issued
            token, refresh = f"tok-{n}", f"refresh-{n}"
            self._tokens[token] = self._clock() + self.token_lifetime
            self._last_refresh = refresh
        # The example's own reply, with the fresh values at the places it already has: a
        # login whose example answers `null` (Home Assistant) is answered `null`.
        result = copy.deepcopy(self._example_result(params))
        for pointer, value in (
            (self.auth.token, token),
            (self.auth.refresh_token, refresh),
            (self.auth.expires_in, self._wire_lifetime()),
        ):
            if pointer is not None and isinstance(result, dict) and has_at(result, pointer):
                write_at(result, pointer, value)
        return LoginResult(result=result, token=token)

    def _wire_lifetime(self) -> int | float:
        life = self.token_lifetime
        return int(life) if float(life).is_integer() else life

    def _is_refresh(self, params: dict[str, Any]) -> bool:
        assert self.auth is not None
        template = self.auth.refresh_params
        if template:
            constants = {k: v for k, v in template.items() if not _is_placeholder(v)}
            if constants:
                return all(params.get(k) == v for k, v in constants.items())
            return self._refresh_key() in params
        return params.get("grant_type") == "refresh_token"

    def _refresh_key(self) -> str:
        assert self.auth is not None
        for key, value in (self.auth.refresh_params or {}).items():
            if value == "{refresh_token}":
                return key
        return "refresh_token"

    def _credentials_ok(self, params: dict[str, Any]) -> bool:
        expected = self.expected_credentials
        if expected is None:
            return True
        signed = params.get("grant_type") == "client_signature" or (
            "signature" in params and "client_secret" not in params
        )
        for key, value in expected.items():
            if key == "client_secret" and signed:
                continue
            if params.get(key) != value:
                return False
        if signed and "client_secret" in expected:
            want = client_signature(
                str(expected["client_secret"]),
                params.get("timestamp"),
                str(params.get("nonce", "")),
                str(params.get("data", "")),
            )
            got = params.get("signature")
            return isinstance(got, str) and hmac.compare_digest(got, want)
        return True

    def _login_error(self) -> ErrorReply:
        request = self.login_request
        if request is not None:
            for ex in request.examples:
                if ex.error is not None:
                    err = ex.error
                    return ErrorReply(
                        err.get("code"), str(err.get("message", "")), err.get("data")
                    )
        return INVALID_CREDENTIALS

    def _example_result(self, params: dict[str, Any]) -> Any:
        request = self.login_request
        if request is None:
            return {}
        good = [ex for ex in request.examples if ex.error is None]
        if not good:
            return {}
        grant = params.get("grant_type")
        for ex in good:
            if grant is not None and ex.params.get("grant_type") == grant:
                return ex.result
        return good[0].result

    def _example_lifetime(self) -> float:
        auth = self.auth
        if auth is None or auth.expires_in is None:
            return DEFAULT_LIFETIME
        value = read_at(self._example_result({}), auth.expires_in)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        return DEFAULT_LIFETIME
