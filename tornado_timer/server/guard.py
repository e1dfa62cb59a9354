"""What every handler of ours shares: tokens kept out of error logs, refusals as one plain-text line, and a
WebSocket that lets go of its handshake once it is open."""

from __future__ import annotations

from typing import Any

from tornado import httputil, web, websocket
from tornado.log import app_log

from . import auth
from .admission import Refusal


class GuardedHandler(web.RequestHandler):
    """Error logs name the request with any token redacted."""

    def _request_summary(self) -> str:
        return f"{self.request.method} {auth.redact(self.request.uri or '')} ({self.request.remote_ip})"

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, web.HTTPError):
            return super().log_exception(typ, value, tb)
        app_log.error("Uncaught exception %s", self._request_summary(), exc_info=(typ, value, tb))

    def refuse(self, refusal: Refusal) -> None:
        """Answer with the refusal's status and its reason as one line of plain text."""
        self.set_status(refusal.status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(refusal.reason + "\n")


class GuardedSocket(GuardedHandler, websocket.WebSocketHandler):
    """A WebSocket that refuses pages of other sites (a page opened from disk, `Origin: null`, is welcome)."""

    allow_origins: tuple[str, ...] = ()

    def check_origin(self, origin: str) -> bool:
        """Same-origin pages, `Origin: null` and the `--allow-origin` list; any other site gets 403."""
        return origin == "null" or origin in self.allow_origins or super().check_origin(origin)

    def release_handshake(self) -> None:
        """Drop what only the handshake needed: ~1.9 KB a connection, and the token in an Authorization header."""
        self.request.headers = httputil.HTTPHeaders()
        self.request.connection = None  # the HTTP/1 connection object, detached, which holds the headers too
        self.request.arguments = self.request.query_arguments = {}
        self._headers = httputil.HTTPHeaders()
        self.ui = None  # type: ignore[assignment]  # template helpers: a WebSocket renders no templates
        # The handler's attributes, added one by one during the handshake, left its dict twice the size it needs
        # (a dict never shrinks): a copy is sized for what it holds, ~750 bytes less a connection.
        self.__dict__ = dict(self.__dict__)
