"""The HTTP API (/api/v1) over real sockets: the real server on an ephemeral port (the `serve` fixture), spoken
to with Tornado's HTTP and WebSocket clients; with Redis, two real server processes."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from helpers import ROOT, JsonClient, Serve, ServerProcess, http_at, http_get
from openapi_spec_validator import validate
from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.netutil import bind_sockets

from tornado_timer import RunningServer, ServerConfig, make_app
from tornado_timer.core.api_actions import ACTIONS
from tornado_timer.core.record import Record
from tornado_timer.server.openapi import OPENAPI_PATH, TIMERS_PATH, action_path
from tornado_timer.store import StoreUnavailable
from tornado_timer.store.memory import MemoryStore

# Each of these finishes in well under a second; the bound only turns a hang into a failure (the tests that need
# more say so themselves).
pytestmark = pytest.mark.async_timeout(5)

API = TIMERS_PATH
TOKEN = "s3cret-control-token"
DOCS = ROOT / "docs" / "api.md"

Launcher = Callable[..., ServerProcess]

#: The real app, with a rate limit no test of the API's behaviour reaches (TestRateLimit has its own).
CONFIG = ServerConfig(host="127.0.0.1", port=0, interval=0.1, autostart=False, max_timers=5,
                      max_messages_per_second=1000)


async def request(url: str, method: str = "GET", query: dict[str, Any] | None = None, body: Any = None,
                  headers: dict[str, str] | None = None) -> HTTPResponse:
    """`method` `url` in this event loop, with a query string and a body (a JSON one unless str or bytes); an error
    status is returned, not raised."""
    url += ("?" + urlencode(query)) if query else ""
    data = None if method == "GET" else (body if isinstance(body, (str, bytes)) else
                                         json.dumps(body) if body is not None else b"")
    client = AsyncHTTPClient(force_instance=True)
    try:
        return await client.fetch(url, method=method, body=data, headers=headers, raise_error=False,
                                  allow_nonstandard_methods=True)
    finally:
        client.close()


class Api:
    """The HTTP API of a server in this event loop, as the tests call it."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server

    async def call(self, path: str, method: str = "GET", query: dict[str, Any] | None = None,
                   body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        response = await self.request(path, method, query, body, headers)
        return response.code, json.loads(response.body)

    async def request(self, path: str, method: str = "GET", query: dict[str, Any] | None = None,
                      body: Any = None, headers: dict[str, str] | None = None) -> HTTPResponse:
        return await request(http_at(self.server, path), method, query, body, headers)

    async def act(self, name: str, action: str, how: str = "get", **parameters: Any) -> tuple[int, dict[str, Any]]:
        """An action by GET (query), POST with a query string, or POST with a JSON body."""
        path = f"{API}/{name}/{action}"
        if how == "get":
            return await self.call(path, query=parameters)
        if how == "post-query":
            return await self.call(path, "POST", query=parameters)
        return await self.call(path, "POST", body=parameters if parameters else None)

    def held(self) -> set[str]:
        return {channel.name for channel in self.server.app.registry}


@pytest.fixture
async def api(serve: Serve) -> Api:
    """The API of a server with CONFIG; a class whose tests need another configuration overrides this."""
    return Api(await serve(CONFIG))


def failure(status: int, body: dict[str, Any]) -> tuple[int, str]:
    assert body["ok"] is False and set(body) == {"ok", "error"} and body["error"]["message"], body
    return status, body["error"]["code"]


# (action, parameters, what the timer shows after it, the command it ran)
SCRIPT: list[tuple[str, dict[str, str], dict[str, Any], str]] = [
    ("set", {"mode": "countdown", "duration": "5m", "warning": "1m", "danger": "30", "overtime": "yes"},
     {"mode": "countdown", "status": "idle", "duration_ms": 300_000, "warning_ms": 60_000, "danger_ms": 30_000,
      "overtime": True}, "set"),
    ("start", {}, {"status": "running"}, "start"),
    ("adjust", {"delta": "1m"}, {"adjusted_ms": 60_000}, "adjust"),
    ("adjust", {"delta": "-30"}, {"adjusted_ms": 30_000}, "adjust"),
    ("pause", {}, {"status": "paused"}, "pause"),
    ("resume", {}, {"status": "running"}, "resume"),
    ("toggle", {}, {"status": "paused"}, "pause"),
    ("toggle", {}, {"status": "running"}, "resume"),
    ("adjust", {"delta_ms": "-5000"}, {"adjusted_ms": 25_000}, "adjust"),
    ("reset", {}, {"status": "idle", "adjusted_ms": 0}, "reset"),
    ("toggle", {}, {"status": "running"}, "start"),
    ("set", {"mode": "stopwatch", "initial": "1:30", "interval": "0.5"},
     {"mode": "stopwatch", "status": "idle", "elapsed_ms": 90_000, "interval_ms": 500, "duration_ms": None}, "set"),
    ("set", {"duration_ms": "90000", "interval_ms": "250"}, {"mode": "countdown", "duration_ms": 90_000}, "set"),
]


class TestActions:
    @pytest.mark.async_timeout(20)  # every action, three ways each
    async def test_every_action_by_get_by_post_with_a_query_and_by_post_with_a_json_body(self, api: Api) -> None:
        for how in ("get", "post-query", "post-json"):
            name = f"via-{how}"
            for action, parameters, expected, ran in SCRIPT:
                status, body = await api.act(name, action, how, **parameters)
                assert status == 200, (how, action, body)
                assert body["ok"] is True and body["command"] == ran, (how, action, body)
                assert {key: body["timer"][key] for key in expected} == expected, (how, action, body["timer"])
                assert set(body) == {"ok", "timer", "message", "allowed", "cue", "next_cue", "planned_ms", "offset_ms",
                                     "server_time", "command"}
            status, body = await api.act(name, "message", how, text="Wrap up", visible="on", blink="1")
            assert (status, body["message"]) == (200, {"text": "Wrap up", "visible": True, "blink": True,
                                                       "blackout": False})

    async def test_a_json_body_takes_json_types(self, api: Api) -> None:
        status, body = await api.act("typed", "set", "post-json", mode="countdown", duration=90, overtime=False,
                                     warning_ms=30_000)
        assert (status, body["timer"]["duration_ms"], body["timer"]["warning_ms"]) == (200, 90_000, 30_000)
        await api.act("typed", "start")
        status, body = await api.act("typed", "adjust", "post-json", delta_ms=-5000)
        assert (status, body["timer"]["adjusted_ms"]) == (200, -5000)
        status, body = await api.act("typed", "message", "post-json", text="Break", visible=True, blackout=1)
        assert body["message"] == {"text": "Break", "visible": True, "blink": False, "blackout": True}

    async def test_human_durations(self, api: Api) -> None:
        await api.act("human", "set", duration="1h30m")
        assert (await api.act("human", "start"))[1]["timer"]["duration_ms"] == 5_400_000
        total = 0
        for delta, ms in [("5m", 300_000), ("-1m", -60_000), ("1:30", 90_000), ("-0:30", -30_000), ("90", 90_000),
                          ("-30", -30_000), ("1h", 3_600_000), ("2m500ms", 120_500)]:
            total += ms
            status, body = await api.act("human", "adjust", delta=delta)
            assert (status, body["timer"]["adjusted_ms"]) == (200, total), delta
        status, body = await api.act("human", "adjust", delta="5 minutes")
        assert failure(status, body) == (400, "invalid_message")
        assert "like 90 (seconds), -30, 5m" in body["error"]["message"]

    async def test_a_change_over_http_reaches_every_websocket_client_at_once(self, api: Api) -> None:
        screens = [await JsonClient.joined(api.server.ws_url("stage")) for _ in range(3)]
        for action, status_after in [("start", "running"), ("pause", "paused"), ("toggle", "running")]:
            sent = time.monotonic()
            code, body = await api.act("stage", action)
            states = [await screen.next_of("state") for screen in screens]
            assert time.monotonic() - sent < 0.5
            assert code == 200
            assert {(s["timer"]["status"], s["timer"]["version"]) for s in states} == {
                (status_after, body["timer"]["version"])}
        await api.act("stage", "message", text="Five minutes", visible="true")
        for screen in screens:
            assert (await screen.next_of("message"))["message"]["text"] == "Five minutes"

    async def test_an_action_creates_a_timer_and_an_idle_unwatched_one_is_let_go(self, api: Api) -> None:
        status, body = await api.act("new-running", "start")
        assert (status, body["timer"]["status"], body["timer"]["version"]) == (200, "running", 1)
        assert "new-running" in api.held()
        status, body = await api.act("new-idle", "set", duration="1m")
        assert status == 200
        assert "new-idle" not in api.held()  # idle and unwatched: let go, like a WebSocket's timer
        status, body = await api.call(f"{API}/new-idle")
        assert (status, body["timer"]["duration_ms"], body["timer"]["version"]) == (200, 60_000, 1)  # still stored
        status, body = await api.act("never", "pause")
        assert failure(status, body) == (409, "invalid_state")
        await asyncio.sleep(0.05)  # the store forgets a timer nobody changed in the background
        assert failure(*await api.call(f"{API}/never")) == (404, "not_found")
        assert "never" not in api.held()

    async def test_a_watched_timer_stays_after_an_action(self, api: Api) -> None:
        screen = await JsonClient.joined(api.server.ws_url("watched"))
        await api.act("watched", "set", duration="1m")
        assert "watched" in api.held()
        assert (await screen.next_of("state"))["timer"]["duration_ms"] == 60_000

    async def test_new_timers_beyond_max_timers_are_refused_with_503(self, api: Api) -> None:
        for number in range(4):  # the default and four more: the maximum of five
            assert (await api.act(f"t{number}", "start"))[0] == 200
        status, body = await api.act("one-too-many", "start")
        assert failure(status, body) == (503, "unavailable")
        assert "maximum of 5 timers" in body["error"]["message"]
        assert (await api.act("t1", "pause"))[0] == 200, "existing timers stay reachable"

    async def test_every_error_status_of_an_action(self, api: Api) -> None:
        cases = [
            (await api.call(f"{API}/x/adjust", "POST", body="{not json"), (400, "invalid_json")),
            (await api.call(f"{API}/x/adjust", "POST", body=b"\xff"), (400, "invalid_json")),
            (await api.act("x", "adjust", delta="soon"), (400, "invalid_message")),
            (await api.act("x", "start", bogus="1"), (400, "invalid_message")),
            (await api.call(f"{API}/x/adjust", query={"delta": ["1m", "2m"]}), (400, "invalid_message")),
            (await api.act("x", "launch"), (400, "unknown_type")),
            (await api.act("bad.name", "start"), (400, "invalid_message")),
            (await api.act("x", "pause"), (409, "invalid_state")),
        ]
        for (status, body), expected in cases:
            assert failure(status, body) == expected
        assert "x" not in api.held()


class TestRundown:
    AGENDA = "Welcome, 5m\nKeynote, 20m, slides left\n# a comment\nQ&A, 10:00\n"

    async def test_an_agenda_pasted_as_text_becomes_the_rundown(self, api: Api) -> None:
        response = await api.request(f"{API}/day/rundown", "PUT", body=self.AGENDA,
                                     headers={"Content-Type": "text/plain; charset=utf-8"})
        body = json.loads(response.body)
        assert response.code == 200 and body["ok"] is True, body
        assert [(c["id"], c["title"], c["duration_ms"], c["note"]) for c in body["cues"]] == [
            ("c1", "Welcome", 300_000, ""), ("c2", "Keynote", 1_200_000, "slides left"), ("c3", "Q&A", 600_000, "")]
        assert (body["current"], body["planned_ms"], body["offset_ms"], body["auto_advance"]) == (None, 2_100_000,
                                                                                                 None, False)
        text = await api.request(f"{API}/day/rundown", query={"format": "text"})
        assert text.headers["Content-Type"].startswith("text/plain")
        assert text.body.decode() == "Welcome, 5m\nKeynote, 20m, slides left\nQ&A, 10m\n"
        status, again = await api.call(f"{API}/day/rundown", "POST", query={"auto_advance": "on"},
                                       body=text.body.decode().replace("Keynote", "Opening keynote"),
                                       headers={"Content-Type": "text/plain"})
        assert status == 200 and [c["id"] for c in again["cues"]] == ["c1", "c2", "c3"] and again["auto_advance"]
        status, setting = await api.call(f"{API}/day/rundown", "PUT", query={"auto_advance": "off"}, body="")
        assert status == 200 and setting["auto_advance"] is False and len(setting["cues"]) == 3
        empty = await api.call(f"{API}/day/rundown", "PUT", body="")
        assert failure(*empty) == (400, "invalid_message") and "empty body" in empty[1]["error"]["message"]

    async def test_a_json_body_and_the_moves_as_actions(self, api: Api) -> None:
        cues = [{"title": "One", "duration_ms": 60_000}, {"title": "Two", "duration_ms": 120_000, "id": "two"}]
        status, body = await api.call(f"{API}/show/rundown", "PUT", body={"cues": cues, "auto_advance": True})
        assert status == 200 and [c["id"] for c in body["cues"]] == ["c1", "two"]
        status, body = await api.act("show", "next", start="1")
        assert (status, body["command"], body["cue"]["id"], body["timer"]["status"]) == (200, "next", "c1", "running")
        assert body["next_cue"] == {"index": 1, "id": "two", "title": "Two"} and body["offset_ms"] == 0
        status, body = await api.act("show", "cue", "post-json", id="two")
        assert (status, body["cue"]["index"], body["timer"]["status"], body["timer"]["duration_ms"]) == (
            200, 1, "idle", 120_000)
        status, body = await api.act("show", "previous", "post-query")
        assert (status, body["cue"]["title"]) == (200, "One")
        status, body = await api.act("show", "cue", index="1", start="yes")
        assert (status, body["cue"]["id"], body["timer"]["status"]) == (200, "two", "running")
        status, body = await api.call(f"{API}/show/rundown")
        assert (status, body["current"], body["timer"]) == (200, 1, "show")

    async def test_bad_rundowns_and_moves_get_clear_errors(self, api: Api) -> None:
        bad_line = await api.request(f"{API}/day/rundown", "PUT", body="Welcome, 5m\nKeynote 20m\n",
                                     headers={"Content-Type": "text/plain"})
        assert failure(bad_line.code, json.loads(bad_line.body)) == (400, "invalid_message")
        assert "line 2: 'Keynote 20m' has no duration" in json.loads(bad_line.body)["error"]["message"]
        for query, body in [({}, {"cues": [{"title": "", "duration_ms": 60_000}]}), ({"colour": "1"}, {"cues": []}),
                            ({"auto_advance": "maybe"}, {"cues": []})]:
            assert failure(*await api.call(f"{API}/day/rundown", "PUT", query=query, body=body)) == (
                400, "invalid_message"), (query, body)
        assert failure(*await api.call(f"{API}/nobody/rundown")) == (404, "not_found")
        assert failure(*await api.act("day", "next")) == (409, "invalid_state")
        await api.call(f"{API}/day/rundown", "PUT", body={"cues": [{"title": "Only", "duration_ms": 60_000}]})
        assert failure(*await api.act("day", "cue", index="3")) == (404, "not_found")
        assert failure(*await api.act("day", "cue", index="x")) == (400, "invalid_message")
        assert failure(*await api.act("day", "cue", index="0", id="c1")) == (400, "invalid_message")


class TestReads:
    async def test_a_read_is_the_websockets_state_and_never_creates(self, api: Api) -> None:
        screen = await JsonClient.connect(api.server.ws_url("room"))
        state = await screen.next()
        status, body = await api.call(f"{API}/room")
        assert status == 200
        assert {k: body[k] for k in ("timer", "message", "allowed")} == {k: state[k] for k in
                                                                        ("timer", "message", "allowed")}
        assert abs(body["server_time"] - time.time() * 1000) < 1000
        assert failure(*await api.call(f"{API}/nobody")) == (404, "not_found")
        assert failure(*await api.call(f"{API}/bad.name")) == (400, "invalid_message")
        assert api.held() == {"default", "room"}

    async def test_the_list_holds_every_timer_by_name(self, api: Api) -> None:
        await api.act("b-running", "start")
        await api.act("a-stored", "set", duration="2m")  # let go at once, but stored
        status, body = await api.call(API)
        assert status == 200 and body["truncated"] is False
        assert [entry["timer"]["name"] for entry in body["timers"]] == ["a-stored", "b-running", "default"]
        assert body["timers"][1]["allowed"] == ["pause", "reset", "set", "adjust", "message", "rundown"]

    async def test_headers_and_http_errors_are_json_too(self, api: Api) -> None:
        response = await api.request(f"{API}/default")
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Type"].startswith("application/json")
        assert failure(*await api.call("/api/v1/nothing/here")) == (404, "not_found")
        assert failure(*await api.call(f"{API}/default/start", "PUT", body="")) == (405, "method_not_allowed")
        response = await api.request("/api/timers/nobody")  # the older, read-only form
        assert (response.code, json.loads(response.body)["error"]["code"]) == (404, "not_found")
        assert json.loads((await api.request("/api/timers/default")).body)["timer"]["name"] == "default"


#: (method, path under /api, status, code): every answer under /api is JSON of the one error shape, whether the API
#: or HTTP itself refuses, on the older read-only form as on /api/v1, on paths no route knows.
NOT_JSON_BEFORE = [
    ("GET", "/api/timers/UNKNOWN", 404, "not_found"),
    ("GET", "/api/timers/a/b", 404, "not_found"),
    ("GET", "/api/timers", 404, "not_found"),
    ("GET", "/api", 404, "not_found"),
    ("GET", "/api/", 404, "not_found"),
    ("GET", "/api/v2/timers", 404, "not_found"),
    ("GET", "/api/v1/nonexistent", 404, "not_found"),
    ("PUT", "/api/v1/nonexistent", 404, "not_found"),
    ("DELETE", "/api/v1", 404, "not_found"),
    ("OPTIONS", "/api/x", 404, "not_found"),
    ("POST", "/api/timers/default", 405, "method_not_allowed"),
    ("PUT", "/api/timers/default", 405, "method_not_allowed"),
    ("DELETE", "/api/timers/default", 405, "method_not_allowed"),
    ("DELETE", "/api/v1/timers/default", 405, "method_not_allowed"),
    ("PATCH", "/api/v1/timers/default/start", 405, "method_not_allowed"),
    ("DELETE", "/api/v1/timers/default/rundown", 405, "method_not_allowed"),
    ("POST", "/api/v1/openapi.json", 405, "method_not_allowed"),
]


class TestEveryAnswerIsJson:
    @pytest.mark.parametrize(("method", "path", "status", "code"), NOT_JSON_BEFORE)
    async def test_wrong_paths_and_methods_under_api_answer_in_the_apis_shape(
        self, api: Api, method: str, path: str, status: int, code: str,
    ) -> None:
        response = await api.request(path, method, body="" if method in ("POST", "PUT", "PATCH") else None)
        assert response.headers["Content-Type"].startswith("application/json"), (path, response.body[:80])
        assert failure(response.code, json.loads(response.body)) == (status, code)

    async def test_the_page_and_its_files_still_answer_as_before(self, api: Api) -> None:
        assert (await api.request("/")).code == 200
        missing = await api.request("/apis")  # not under /api: the page's files, an ordinary 404
        assert missing.code == 404 and not missing.headers["Content-Type"].startswith("application/json")


class TestTokens:
    @pytest.fixture
    async def api(self, serve: Serve) -> Api:
        return Api(await serve(ServerConfig(host="127.0.0.1", port=0, autostart=False, control_token=TOKEN,
                                            max_messages_per_second=1000)))

    async def test_without_a_token_reads_pass_and_actions_are_forbidden(self, api: Api) -> None:
        assert (await api.call(f"{API}/default"))[0] == 200
        assert (await api.call(API))[0] == 200
        for how in ("get", "post-query", "post-json"):
            status, body = await api.act("default", "start", how)
            assert failure(status, body) == (403, "forbidden")
            assert "control token" in body["error"]["message"]
        assert api.server.app.registry.default.timer.version == 0

    async def test_the_rundown_is_read_freely_and_replaced_with_the_token_only(self, api: Api) -> None:
        body = {"cues": [{"title": "Talk", "duration_ms": 60_000}]}
        assert failure(*await api.call(f"{API}/default/rundown", "PUT", body=body)) == (403, "forbidden")
        assert failure(*await api.act("default", "next")) == (403, "forbidden")
        status, answer = await api.call(f"{API}/default/rundown", "PUT", body=body, query={"token": TOKEN})
        assert (status, answer["cues"][0]["title"]) == (200, "Talk")
        status, answer = await api.call(f"{API}/default/rundown")
        assert (status, len(answer["cues"])) == (200, 1)

    async def test_a_wrong_token_is_refused_for_reads_and_actions(self, api: Api) -> None:
        for query, headers in [({"token": "guess-1234"}, None), (None, {"Authorization": "Bearer guess-1234"})]:
            for path in (f"{API}/default/start", f"{API}/default", API):
                status, body = await api.call(path, query=query, headers=headers)
                assert failure(status, body) == (403, "forbidden")
                assert "guess" not in body["error"]["message"]

    async def test_the_right_token_in_the_query_or_a_bearer_header_controls(self, api: Api) -> None:
        status, body = await api.call(f"{API}/default/start", query={"token": TOKEN})
        assert (status, body["timer"]["status"]) == (200, "running")
        status, body = await api.call(f"{API}/default/pause", "POST", headers={"Authorization": f"Bearer {TOKEN}"})
        assert (status, body["timer"]["status"]) == (200, "paused")
        status, body = await api.call(f"{API}/default/adjust", "POST", query={"token": TOKEN}, body={"delta": "1m"})
        assert (status, body["timer"]["adjusted_ms"]) == (200, 60_000)

    async def test_tokens_never_reach_the_logs(self, api: Api, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO, logger="tornado.access"):
            await api.call(f"{API}/default/start", query={"token": TOKEN})
            await api.call(f"{API}/default/start", query={"token": "wrong-guess-123"})
        lines = [record.getMessage() for record in caplog.records if record.name == "tornado.access"]
        assert len(lines) == 2 and all("token=REDACTED" in line for line in lines), lines
        assert not any(TOKEN in line or "wrong-guess-123" in line for line in lines)

    async def test_cross_site_requests_are_refused_even_with_the_token(self, api: Api) -> None:
        status, body = await api.call(f"{API}/default/start", query={"token": TOKEN},
                                      headers={"Sec-Fetch-Site": "cross-site"})
        assert failure(status, body) == (403, "forbidden")


class TestRateLimit:
    @pytest.fixture
    async def api(self, serve: Serve) -> Api:
        return Api(await serve(ServerConfig(host="127.0.0.1", port=0, autostart=False, max_messages_per_second=5)))

    async def test_over_the_limit_is_429_with_retry_after_and_refused_requests_do_not_count(self, api: Api) -> None:
        for _ in range(20):  # a page of another site hammering: refused, and not counted
            assert (await api.call(f"{API}/default/start", headers={"Sec-Fetch-Site": "cross-site"}))[0] == 403
        statuses = [(await api.call(f"{API}/default"))[0] for _ in range(10)]  # the burst: twice the rate
        assert statuses == [200] * 10
        response = await api.request(f"{API}/default/start")
        assert failure(response.code, json.loads(response.body)) == (429, "rate_limited")
        assert int(response.headers["Retry-After"]) >= 1
        await asyncio.sleep(0.25)  # a token comes back every 0.2 s
        assert (await api.call(f"{API}/default/start"))[0] == 200


class TestHostAndCrossSite:
    async def test_a_host_that_is_not_loopback_is_refused(self, api: Api) -> None:
        for path in (f"{API}/default/start", f"{API}/default", API, OPENAPI_PATH):
            status, body = await api.call(path, headers={"Host": "rebound.example:80"})
            assert failure(status, body) == (403, "forbidden")
            assert "Host header" in body["error"]["message"]
        await api.server.app.registry.ready()
        assert api.server.app.registry.default.timer.version == 0

    async def test_requests_a_browser_marks_as_another_sites_are_refused(self, api: Api) -> None:
        own = f"http://127.0.0.1:{api.server.port}"
        refused = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                   {"Origin": "https://evil.example"}, {"Origin": "null"},
                   {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
                   {"Origin": f"http://localhost:{api.server.port}"}]
        for headers in refused:
            for path, method in [(f"{API}/default/start", "GET"), (f"{API}/default/start", "POST"),
                                 (f"{API}/default", "GET"), (API, "GET")]:
                status, body = await api.call(path, method, headers=headers)
                assert failure(status, body) == (403, "forbidden"), headers
                assert "another site" in body["error"]["message"]
        await api.server.app.registry.ready()
        assert api.server.app.registry.default.timer.version == 0
        for headers in [{}, {"Sec-Fetch-Site": "same-origin", "Origin": own}, {"Sec-Fetch-Site": "none"}]:
            assert (await api.call(f"{API}/default/toggle", "POST", headers=headers))[0] == 200


class TestAllowOrigin:
    @pytest.fixture
    async def api(self, serve: Serve) -> Api:
        return Api(await serve(ServerConfig(host="127.0.0.1", port=0, autostart=False,
                                            allow_origins=("https://intranet.example",),
                                            max_messages_per_second=1000)))

    async def test_an_allowed_origin_passes(self, api: Api) -> None:
        headers = {"Origin": "https://intranet.example", "Sec-Fetch-Site": "cross-site"}
        assert (await api.call(f"{API}/default/start", "POST", headers=headers))[0] == 200
        headers["Origin"] = "https://intranet.example.evil"
        assert (await api.call(f"{API}/default/pause", "POST", headers=headers))[0] == 403


class DownStore(MemoryStore):
    """A store that can be made unreachable, as Redis can."""

    down = False

    async def put(self, record: Record, expected_version: int | None) -> None:
        if self.down:
            raise StoreUnavailable("the store is down (a test)")
        await super().put(record, expected_version)

    async def list_records(self, limit: int) -> tuple[list[Record], bool]:
        if self.down:
            raise StoreUnavailable("the store is down (a test)")
        return await super().list_records(limit)


@pytest.fixture
def down_store() -> DownStore:
    return DownStore()


class TestStoreUnavailable:
    @pytest.fixture
    async def api(self, down_store: DownStore) -> AsyncIterator[Api]:
        """A server with CONFIG on `down_store`: built as tornado_timer.start_server builds one (the `serve`
        fixture takes no store), started, and stopped and drained at the end as `serve` does."""
        server = RunningServer(make_app(CONFIG, store=down_store), bind_sockets(CONFIG.port, CONFIG.host))
        await server.ready()
        yield Api(server)
        server.stop()
        await server.drain()

    async def test_actions_and_the_list_answer_503_while_the_store_is_away(self, api: Api,
                                                                        down_store: DownStore) -> None:
        await api.call(f"{API}/default")  # opened
        down_store.down = True
        assert failure(*await api.act("default", "start")) == (503, "unavailable")
        assert failure(*await api.call(API)) == (503, "unavailable")
        assert (await api.call(f"{API}/default"))[0] == 200, "a timer this process holds is still read"
        down_store.down = False
        assert (await api.act("default", "start"))[0] == 200


class TestOpenApi:
    @pytest.mark.async_timeout(30)  # validating the document alone takes a second of CPU on an idle machine
    async def test_the_document_is_valid_openapi_and_matches_the_routes(self, api: Api) -> None:
        status, document = await api.call(OPENAPI_PATH)
        assert status == 200
        validate(document)
        documented = set(document["paths"])
        assert {path for path in documented if path.count("/") == 5} == {action_path(a) for a in (*ACTIONS, "rundown")}
        for action in ACTIONS.values():
            operations = document["paths"][action_path(action.name)]
            assert set(operations) == {"get", "post"}
            names = [p["name"] for p in operations["get"]["parameters"] if p["in"] == "query"]
            assert names == [p.name for p in action.parameters]
        for path in sorted(documented):
            status, body = await api.call(path.replace("{name}", "doc-check"))
            assert "no such path" not in body.get("error", {}).get("message", ""), path

    async def test_every_route_of_the_api_is_documented(self, api: Api) -> None:
        _, document = await api.call(OPENAPI_PATH)
        for action in ("fly", "teleport"):
            assert action_path(action) not in document["paths"]
            assert failure(*await api.act("doc-check", action)) == (400, "unknown_type")
        codes = document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
        assert set(codes) >= {"invalid_json", "invalid_message", "unknown_type", "forbidden", "not_found",
                              "invalid_state", "rate_limited", "unavailable"}


def test_the_docs_describe_every_action_and_parameter() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for action in ACTIONS.values():
        assert f"/{action.name}" in text, action.name
        for parameter in action.parameters:
            assert re.search(rf"`{parameter.name}`", text), (action.name, parameter.name)
    for code in ("invalid_json", "invalid_message", "unknown_type", "forbidden", "not_found", "invalid_state",
                 "rate_limited", "unavailable"):
        assert f"`{code}`" in text, code


# ---- With Redis: two real processes -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.async_timeout(30)  # tests/conftest.py's default, as on the tests of test_scale_out.py: it had no bound
async def test_a_change_over_http_on_one_process_reaches_a_websocket_client_of_another(
    redis_url: str, start_server_process: Launcher,
) -> None:
    args = ["--store", redis_url, "--interval", "0.1", "--no-autostart"]
    a, b = start_server_process(*args), start_server_process(*args)

    async def act(server: ServerProcess, path: str, **query: str) -> dict[str, Any]:
        response = await request(http_at(server, f"{API}/{path}"), "POST", query=query)
        assert response.code == 200, response.body
        answer: dict[str, Any] = json.loads(response.body)
        return answer

    on_b = await JsonClient.joined(b.ws_url("shared"))
    for action, status in [("start", "running"), ("toggle", "paused"), ("toggle", "running"), ("reset", "idle")]:
        sent = time.monotonic()
        answer = await act(a, f"shared/{action}")
        while True:
            state = await on_b.next_of("state", timeout=2)
            if state["timer"]["version"] == answer["timer"]["version"]:
                break
        assert state["timer"]["status"] == status
        assert time.monotonic() - sent < 0.5
    await act(a, "made-on-a/set", duration="3m")  # idle: A lets it go, Redis keeps it
    await act(a, "running-on-a/start")
    listed = await http_get(http_at(b, API), raise_error=True)
    names = [entry["timer"]["name"] for entry in json.loads(listed.body)["timers"]]
    assert {"made-on-a", "running-on-a", "shared"} <= set(names)
    read = json.loads((await http_get(http_at(b, f"{API}/made-on-a"), raise_error=True)).body)
    assert read["timer"]["duration_ms"] == 180_000
    on_b.close()
