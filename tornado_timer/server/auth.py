"""Who may control a timer. Viewers watch; controllers present the control token on the handshake.

With no token configured everyone controls (the simple demo on loopback). Tokens are compared in
constant time and kept out of the logs.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Collection
from urllib.parse import unquote_plus

from tornado.httputil import HTTPServerRequest

from ..core.errors import TornadoTimerError
from ..core.server_session import Role


class WrongToken(TornadoTimerError):
    """A token was presented and it is not the control token."""


def presented_token(request: HTTPServerRequest) -> str | None:
    """The token from `?token=` or an `Authorization: Bearer` header, if any."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    values = request.query_arguments.get("token")
    return values[-1].decode("utf-8", "replace") if values else None


def role_for(presented: str | None, control_token: str | None) -> Role:
    """The role a handshake earns; a wrong token is refused rather than quietly made a viewer."""
    if control_token is None:
        return Role.CONTROLLER
    if presented is None or presented == "":
        return Role.VIEWER
    if hmac.compare_digest(presented.encode(), control_token.encode()):
        return Role.CONTROLLER
    raise WrongToken("the control token is wrong")


def new_token() -> str:
    return secrets.token_urlsafe(18)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """The name in a Host header, without its port or an IPv6 address's brackets: `[::1]:80` -> `::1`."""
    bracketed = host.startswith("[") and "]" in host  # an IPv6 address: [::1]:8080
    return host[1:host.index("]")] if bracketed else host.split(":", 1)[0]


def is_loopback_host_header(host: str) -> bool:
    """True for a Host header naming this machine's loopback: `localhost:8080`, `127.0.0.1`, `[::1]:80`."""
    name = host_name(host)
    return is_loopback(name) or name.endswith(".localhost")


def is_allowed_host_header(host: str, allowed: Collection[str]) -> bool:
    """True when the Host header's name is one of `allowed` (names as `--allow-host` takes them, any case;
    `*` allows every name)."""
    if "*" in allowed:
        return True
    name = host_name(host).lower()
    return bool(name) and any(name == host_name(entry).lower() for entry in allowed)


def redact(uri: str) -> str:
    """`uri` with any token value hidden, for logs: every query field the server reads as `token`, also when its
    name is percent-encoded (`?%74oken=`), as Tornado decodes it."""
    path, mark, rest = uri.partition("?")
    if not mark:
        return uri
    query, hash_mark, fragment = rest.partition("#")
    fields = []
    for field in query.split("&"):
        name, equals, _ = field.partition("=")
        fields.append(f"{name}=REDACTED" if equals and unquote_plus(name) == "token" else field)
    return f"{path}?{'&'.join(fields)}{hash_mark}{fragment}"
