"""`/api/v1/...`: the HTTP API for controllers (Bitfocus Companion, a Stream Deck, scripts). Thin handlers.

What an action means is `core/api_actions.py` (it becomes the WebSocket's own command), what the answers hold is
`core/api_answers.py`, who may come in is the `ApiGate`; a command is carried out by the registry exactly as a
WebSocket client's is (compare-and-set in the store, every screen told at once). docs/api.md is the reference.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from ..core import api_actions
from ..core.address_limits import RateLimited
from ..core.api_answers import MAX_LISTED, error_answer, list_answer, timer_answer
from ..core.api_rundown import TEXT_FORMAT, rundown_answer, rundown_lines, rundown_request
from ..core.commands import encode_command
from ..core.errors import ErrorCode, ProtocolError
from ..core.protocol import is_valid_timer_name, loads_object
from .admission import Admission
from .api_gate import ApiGate
from .config import ServerConfig
from .guard import GuardedHandler
from .openapi import OPENAPI_PATH, RUNDOWN, TIMERS_PATH, document
from .registry import TimerRegistry, TooManyTimers

Answer = dict[str, Any]


def api_routes(registry: TimerRegistry, admission: Admission, config: ServerConfig) -> list[Any]:
    """The API's routes for `make_app`, sharing one gate (and so one table of rate limits)."""
    args = {"registry": registry, "gate": ApiGate(config, admission, registry.clock)}
    name = r"(?P<name>[^/]*)"
    return [
        (TIMERS_PATH, TimerListApi, args),
        (TIMERS_PATH + "/" + name, TimerReadApi, args),
        (TIMERS_PATH + "/" + name + "/" + RUNDOWN, RundownApi, args),
        (TIMERS_PATH + "/" + name + r"/(?P<action>[^/]*)", TimerActionApi, args),
        (OPENAPI_PATH, OpenApiDocument, {**args, "document": document()}),
        (r"/api(?:/.*)?", ApiNotFound, args),  # under /api, even a wrong path is answered in JSON
    ]


class JsonHandler(GuardedHandler):
    """Answers in JSON, refusals and HTTP's own errors alike: `{"ok": false, "error": {"code", "message"}}`."""

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def fail(self, error: ProtocolError) -> None:
        status, body = error_answer(error)
        if isinstance(error, RateLimited):
            self.set_header("Retry-After", str(error.retry_after))
        self.set_status(status)
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """HTTP's own errors, not the API's (another method: 405; a bug: 500), in the same shape: HTTP's phrase
        is the code (`method_not_allowed`, `internal_server_error`)."""
        try:
            phrase = HTTPStatus(status_code).phrase
        except ValueError:
            phrase = "error"
        code = phrase.lower().replace(" ", "_").replace("-", "_")
        self.finish(json.dumps({"ok": False, "error": {"code": code, "message": f"HTTP {status_code}: {phrase}"}}))


class ApiHandler(JsonHandler):
    """JSON in and out; every refusal is `{"ok": false, "error": {"code", "message"}}` with its one status."""

    def initialize(self, registry: TimerRegistry, gate: ApiGate) -> None:
        self.registry = registry
        self.gate = gate

    async def serve(self, work: Callable[[], Awaitable[Answer | str]]) -> None:
        """Admit the request, do `work`, and answer with what it returns or why it was refused."""
        try:
            self.gate.admit(self.request)
            answer = await work()
        except TooManyTimers as error:
            return self.fail(ProtocolError(ErrorCode.UNAVAILABLE, str(error)))
        except ProtocolError as error:  # StoreUnavailable and IllegalTransition too
            return self.fail(error)
        if isinstance(answer, str):  # lines of text, for people
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(answer)
            return
        self.finish(json.dumps(answer))

    def query(self) -> dict[str, list[str]]:
        return {key: [value.decode("utf-8", "replace") for value in values]
                for key, values in self.request.query_arguments.items()}

    def times(self) -> tuple[float, float]:
        return self.registry.clock.now_ms(), self.registry.clock.wall_ms()

    @staticmethod
    def check_name(name: str) -> None:
        if not is_valid_timer_name(name):
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, "a timer name is 1-64 characters of A-Z a-z 0-9 _ -")


class TimerListApi(ApiHandler):
    """`GET /api/v1/timers`: every timer, bounded."""

    async def get(self) -> None:
        await self.serve(self.list)

    async def list(self) -> Answer:
        self.gate.role(self.request)  # reading needs no token, but a wrong one is refused, as on the WebSocket
        timers, more = await self.registry.timers(MAX_LISTED)
        return list_answer(timers, more, *self.times())


class TimerReadApi(ApiHandler):
    """`GET /api/v1/timers/NAME`: one timer, as the WebSocket's `state` has it. Never creates one."""

    async def get(self, name: str) -> None:
        await self.serve(lambda: self.read(name))

    async def read(self, name: str) -> Answer:
        self.gate.role(self.request)
        self.check_name(name)
        await self.registry.ready()
        timer = await self.registry.lookup(name)  # this process's, or the store's (another process's)
        if timer is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"no timer named {name!r} (an action on it creates it)")
        return timer_answer(timer, *self.times())


class TimerActionApi(ApiHandler):
    """`GET` or `POST /api/v1/timers/NAME/ACTION`: one command, as a WebSocket client would send it."""

    async def get(self, name: str, action: str) -> None:
        await self.serve(lambda: self.act(name, action))

    async def post(self, name: str, action: str) -> None:
        await self.serve(lambda: self.act(name, action))

    async def act(self, name: str, action: str) -> Answer:
        """In the WebSocket's order: the token (checked at its handshake), then the message, then the role."""
        role = self.gate.role(self.request)
        self.check_name(name)
        query = self.query()
        body = self.request.body if self.request.method == "POST" else b""
        prepared = api_actions.prepare(action, api_actions.gather(query, body))
        self.gate.require_controller(role)
        async with self.registry.borrow(name) as channel:
            command = prepared.for_status(channel.timer.settle(self.registry.clock.now_ms()).status)
            await self.registry.execute(channel, command)
            return timer_answer(channel.timer, *self.times(), command=loads_object(encode_command(command))["type"])


class RundownApi(ApiHandler):
    """`GET /api/v1/timers/NAME/rundown` (`?format=text`: as lines); `PUT` or `POST` replaces it, from a JSON body
    like the WebSocket's `rundown` message or from lines of text (`Keynote, 20m`)."""

    async def get(self, name: str) -> None:
        await self.serve(lambda: self.read(name))

    async def put(self, name: str) -> None:
        await self.serve(lambda: self.replace(name))

    async def post(self, name: str) -> None:
        await self.serve(lambda: self.replace(name))

    async def read(self, name: str) -> Answer | str:
        self.gate.role(self.request)
        self.check_name(name)
        text_format = self.get_query_argument("format", None)
        if text_format not in (None, TEXT_FORMAT):
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"'format' is {TEXT_FORMAT} or left out (JSON)")
        await self.registry.ready()
        timer = await self.registry.lookup(name)
        if timer is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"no timer named {name!r} (an action on it creates it)")
        return rundown_lines(timer) if text_format else rundown_answer(timer, *self.times())

    async def replace(self, name: str) -> Answer:
        role = self.gate.role(self.request)
        self.check_name(name)
        query = self.query()
        command = rundown_request(self.request.body, self.request.headers.get("Content-Type"), query)
        self.gate.require_controller(role)
        async with self.registry.borrow(name) as channel:
            await self.registry.execute(channel, command)
            return rundown_answer(channel.timer, *self.times())


class OpenApiDocument(ApiHandler):
    """`GET /api/v1/openapi.json`: the API described, from the tables the handlers use."""

    def initialize(self, registry: TimerRegistry, gate: ApiGate, document: Answer | None = None) -> None:
        super().initialize(registry, gate)
        self.document = document or {}

    async def get(self) -> None:
        await self.serve(self.show)

    async def show(self) -> Answer:
        return self.document


class ApiNotFound(ApiHandler):
    """Anything else under /api: a JSON 404 whatever the method, with where to look."""

    async def prepare(self) -> None:
        await self.serve(self.missing)  # answered here, so no method of the handler runs (nor a 405)

    async def missing(self) -> Answer:
        raise ProtocolError(ErrorCode.NOT_FOUND, f"no such path; the API is described at {OPENAPI_PATH}")
