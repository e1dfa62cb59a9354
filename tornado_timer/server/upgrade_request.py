"""Which first requests `TimerHTTPServer` serves itself: a whole head that is a plain upgrade to a timer route.

The rule errs towards Tornado: a head is taken only if Tornado's own reader would end it at the same place and read
the same lines (CRLF line ends only, no body, HTTP/1.1), so the two can never disagree about where a request ends.
Parsing uses Tornado's own parsers.
"""

from __future__ import annotations

import re
from typing import Any

from tornado import httputil, web
from tornado.escape import url_unescape

from .upgrade import plain_upgrade_key

# (the path pattern, the handler class, its initialize() arguments): one of the app's timer socket routes
DirectRoute = tuple[re.Pattern[str], type[web.RequestHandler], dict[str, Any]]
RoutedUpgrade = tuple[httputil.RequestStartLine, httputil.HTTPHeaders, int, DirectRoute, dict[str, bytes | None]]


def read_upgrade_head(data: bytes, routes: list[DirectRoute]) -> RoutedUpgrade | None:
    """The start line, headers, length, route and path arguments of the plain upgrade to one of `routes` that
    `data` begins with; None for anything else (a head still arriving, another request, a bare LF anywhere)."""
    end = data.find(b"\r\n\r\n")
    if end < 0 or not data.startswith(b"GET ") or data.count(b"\n", 0, end) != data.count(b"\r\n", 0, end):
        return None  # Tornado's reader also ends a head at a bare "\n\n": never guess where it would
    first, _, rest = data[:end].decode("latin1").partition("\r\n")
    try:
        start_line = httputil.parse_request_start_line(first)
    except httputil.HTTPInputError:
        return None  # Tornado's reader answers it with its 400
    routed = route(routes, start_line.path.partition("?")[0])
    if start_line.version != "HTTP/1.1" or routed is None:
        return None
    try:
        headers = httputil.HTTPHeaders.parse(rest)
    except httputil.HTTPInputError:
        return None
    if "Content-Length" in headers or "Transfer-Encoding" in headers or plain_upgrade_key(headers) is None:
        return None
    return start_line, headers, end + 4, *routed


def route(routes: list[DirectRoute], path: str) -> tuple[DirectRoute, dict[str, bytes | None]] | None:
    """The route `path` takes and its arguments, unquoted as Tornado's router does; None if no timer route."""
    for direct in routes:
        match = direct[0].fullmatch(path)
        if match is not None:
            return direct, {name: None if value is None else url_unescape(value, encoding=None, plus=False)
                            for name, value in match.groupdict().items()}
    return None
