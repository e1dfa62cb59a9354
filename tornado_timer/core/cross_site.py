"""Which requests a browser marks as made by a page of another site: the HTTP API refuses them.

A page on any site can make the user's browser send requests to a server on their machine or network (an `<img>`
GET, an auto-submitted form, a `fetch` with `mode: "no-cors"`): it cannot read the answers, but an action would
still be carried out. Browsers say where a request comes from, and this rule reads it:
- `Origin`, when present, must be the server's own (its host:port equals the `Host` header, as Tornado judges
  WebSocket handshakes) or one of `--allow-origin`; `null` (a sandboxed frame, a page from disk) is refused;
- `Sec-Fetch-Site` (Fetch Metadata), when present, must be `same-origin` or `none` (typed into the address bar,
  a bookmark): `same-site` and `cross-site` are refused, unless the `Origin` is an allowed one.
Clients that send neither (curl, Bitfocus Companion, a Stream Deck, scripts) pass. Pure: headers in, a reason out.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

TRUSTED_FETCH_SITES = ("same-origin", "none")


def cross_site_refusal(host: str, origin: str | None, fetch_site: str | None,
                       allowed_origins: Collection[str] = ()) -> str | None:
    """Why a request with these headers is refused as coming from another site, or None if it is not."""
    allowed = origin is not None and origin in allowed_origins
    if origin is not None and not allowed and not is_same_origin(origin, host):
        return (f"refused: a page of another site ({origin[:80]!r}) may not use this API; its requests are "
                "refused whatever they carry (see --allow-origin)")
    if fetch_site is not None and fetch_site.strip().lower() not in TRUSTED_FETCH_SITES and not allowed:
        return (f"refused: the browser marks this request as made by a page of another site (Sec-Fetch-Site: "
                f"{fetch_site[:20]}); use the API from a script, a controller, or this server's own page")
    return None


def is_same_origin(origin: str, host: str) -> bool:
    """The Origin's host:port is the `Host` header's (case aside), as Tornado's WebSocket check has it."""
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        return False
    return bool(netloc) and netloc.lower() == host.lower()
