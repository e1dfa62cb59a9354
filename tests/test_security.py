"""Roles, tokens, origins, Host checks and limits (the echo endpoint's too), over real sockets."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from helpers import JsonClient, Serve, ServerProcess, handshake_status, http_at, http_get, run_cli, ws_at
from tornado.websocket import websocket_connect

from tornado_timer import ConfigError, RunningServer, ServerConfig
from tornado_timer.core.server_session import Role
from tornado_timer.server import auth

# A hang guard: each of these finishes in well under a second.
pytestmark = pytest.mark.async_timeout(5)

TOKEN = "s3cret-control-token"


class TestRoles:
    @pytest.fixture
    async def server(self, serve: Serve) -> RunningServer:
        return await serve(autostart=False, control_token=TOKEN)

    async def test_a_viewer_may_watch_and_ping_but_its_commands_are_forbidden(self, server: RunningServer) -> None:
        viewer = await JsonClient.connect(server.ws_url())
        first = await viewer.next()
        assert first["role"] == "viewer"
        error = await viewer.command({"type": "start", "id": 1})
        assert (error["code"], error["id"]) == ("forbidden", 1)
        assert "control token" in error["message"]
        viewer.send({"type": "ping", "client_time": 1})
        assert (await viewer.next_of("pong"))["client_time"] == 1
        assert server.app.registry.default.timer.version == 0

    async def test_the_token_in_the_query_or_a_bearer_header_makes_a_controller(self, server: RunningServer) -> None:
        by_query = await JsonClient.connect(ws_at(server, f"/ws?token={TOKEN}"))
        assert (await by_query.next())["role"] == "controller"
        by_header = await JsonClient.connect(server.ws_url(), {"Authorization": f"Bearer {TOKEN}"})
        assert (await by_header.next())["role"] == "controller"
        assert (await by_query.command({"type": "start"}))["timer"]["status"] == "running"
        assert (await by_header.next_of("state"))["timer"]["status"] == "running"
        assert (await by_header.command({"type": "pause"}))["timer"]["status"] == "paused"

    async def test_a_wrong_token_is_refused_at_the_handshake(self, server: RunningServer) -> None:
        assert (await handshake_status(ws_at(server, "/ws?token=guess")))[0] == 403
        assert (await handshake_status(server.ws_url(), {"Authorization": "Bearer guess"}))[0] == 403
        assert (await handshake_status(ws_at(server, "/ws?token=" + TOKEN[:-1])))[0] == 403

    async def test_the_token_never_reaches_the_logs(self, server: RunningServer,
                                                   caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO, logger="tornado.access"):
            await JsonClient.connect(ws_at(server, f"/ws?token={TOKEN}"))
            await handshake_status(ws_at(server, "/ws?token=wrong-guess-123"))
            await asyncio.sleep(0.05)
        records = [record.getMessage() for record in caplog.records if record.name == "tornado.access"]
        assert records, "the access log should have lines"
        assert not any(TOKEN in line or "wrong-guess-123" in line for line in records), records
        assert any("token=REDACTED" in line for line in records)


OPERATOR_TOKEN = "operator-set-0perat0r-s3cret"
WRONG_TOKEN = "a-wrong-guess-of-the-t0ken"


def _status(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}, method=method),
                                    timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _handshake(server: ServerProcess, target: str, headers: str = "") -> str:
    """A bare WebSocket handshake to `target` (path and query); the status line of the answer."""
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall((f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                      f"{headers}\r\n").encode())
        return sock.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def test_a_token_the_operator_set_is_never_printed_nor_logged(
    start_server_process: Callable[..., ServerProcess],
) -> None:
    """Jupyter's convention: the link shows `?token=...`; the access and error logs (at the most verbose level)
    never hold it, from the query, a percent-encoded query name or a Bearer header, nor a wrong guess."""
    server = start_server_process("--log-level", "debug", "--no-autostart",
                                  env={"TORNADO_TIMER_CONTROL_TOKEN": OPERATOR_TOKEN})
    base = server.http_url.rstrip("/")
    assert _status(f"{base}/?token={OPERATOR_TOKEN}") == 200
    assert _status(f"{base}/no-such-file?token={OPERATOR_TOKEN}") == 404
    assert _status(f"{base}/api/v1/timers/default/start", {"Authorization": f"Bearer {OPERATOR_TOKEN}"}) == 200
    assert _status(f"{base}/api/v1/timers/default/pause?%74oken={OPERATOR_TOKEN}") == 200
    assert _status(f"{base}/api/v1/timers/default/resume?token={WRONG_TOKEN}") == 403
    assert _status(f"{base}/api/v1/timers/default/resume", {"Authorization": f"Bearer {WRONG_TOKEN}"}) == 403
    assert _status(f"{base}/api/timers/default?token={OPERATOR_TOKEN}", method="DELETE") == 405
    assert " 101 " in _handshake(server, f"/ws?token={OPERATOR_TOKEN}")
    assert " 101 " in _handshake(server, "/ws/talk", f"Authorization: Bearer {OPERATOR_TOKEN}\r\n")
    assert " 403 " in _handshake(server, f"/ws?token={WRONG_TOKEN}")
    assert " 403 " in _handshake(server, "/ws", f"Authorization: Bearer {WRONG_TOKEN}\r\n")
    server.process.terminate()
    assert server.process.wait(5) == 0
    assert server.process.stdout is not None
    printed, logged = server.process.stdout.read(), server.stderr_text()
    assert f"control link: {server.http_url}?token=..." in printed, printed
    assert "token=REDACTED" in logged and "403 GET /ws" in logged, logged  # the logs were there to look at
    for secret in (OPERATOR_TOKEN, WRONG_TOKEN):
        assert secret not in printed and secret not in logged, (printed, logged)


def test_a_token_the_server_generated_is_printed_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    """The operator needs it: nobody else knows it. (Generated on any address but loopback; the announcement
    alone is checked here, so that the test listens on loopback only.)"""
    from tornado_timer import cli

    generated = cli.config_from_args(["--host", "192.0.2.1", "--no-state"])
    assert generated.token_generated and generated.config.control_token
    cli._announce(generated, "http://example:8080/", "ws://example:8080/ws", None)
    assert f"http://example:8080/?token={generated.config.control_token}" in capsys.readouterr().out
    configured = cli.config_from_args(["--host", "192.0.2.1", "--no-state", "--control-token", OPERATOR_TOKEN])
    assert not configured.token_generated
    cli._announce(configured, "http://example:8080/", "ws://example:8080/ws", None)
    printed = capsys.readouterr().out
    assert "http://example:8080/?token=..." in printed and OPERATOR_TOKEN not in printed


def test_the_token_is_not_in_an_error_at_start_either() -> None:
    result = run_cli("--interval", "0", env={"TORNADO_TIMER_CONTROL_TOKEN": OPERATOR_TOKEN})
    assert result.returncode == 2 and OPERATOR_TOKEN not in result.stdout + result.stderr


class TestLimits:
    @pytest.fixture
    async def server(self, serve: Serve) -> RunningServer:
        return await serve(autostart=False, max_connections=4, max_connections_per_timer=3, max_messages_per_second=5)

    async def test_too_many_connections_in_all_or_to_one_timer_are_refused_with_503(
        self, server: RunningServer,
    ) -> None:
        held = [await JsonClient.joined(server.ws_url()) for _ in range(3)]
        status, reason = await handshake_status(server.ws_url())
        assert (status, "maximum of 3 connections" in reason) == (503, True)
        held.append(await JsonClient.joined(server.ws_url("other")))
        status, reason = await handshake_status(ws_at(server, "/ws/third"))
        assert (status, "maximum of 4 connections" in reason) == (503, True)
        held[0].close()
        await asyncio.sleep(0.1)
        assert (await handshake_status(server.ws_url()))[0] == 101

    async def test_too_fast_gets_rate_limited_then_closed_with_1008(self, server: RunningServer) -> None:
        client = await JsonClient.joined(server.ws_url())
        for number in range(10):  # the burst: twice the rate
            client.send({"type": "ping", "client_time": number})
        assert [(await client.next())["type"] for _ in range(10)] == ["pong"] * 10
        client.send({"type": "ping", "client_time": 10})
        error = await client.next()
        assert (error["type"], error["code"]) == ("error", "rate_limited")
        for number in range(40):
            client.send({"type": "ping", "client_time": number})
        while await asyncio.wait_for(client.connection.read_message(), 3) is not None:
            pass
        assert client.connection.close_code == 1008

    async def test_a_client_within_the_limit_is_never_limited(self, server: RunningServer) -> None:
        client = await JsonClient.joined(server.ws_url())
        for number in range(12):
            client.send({"type": "ping", "client_time": number})
            assert (await client.next())["type"] == "pong"
            await asyncio.sleep(0.22)


class TestHostAndEcho:
    @pytest.fixture
    async def server(self, serve: Serve) -> RunningServer:
        return await serve(autostart=False, max_connections=2)

    async def test_a_rebound_dns_name_is_refused_on_loopback(self, server: RunningServer) -> None:
        status, reason = await handshake_status(server.ws_url(), {"Host": "evil.example", "Origin": "http://evil.example"})
        assert (status, "only answers requests to localhost" in reason) == (403, True)
        assert (await handshake_status(server.ws_url(), {"Host": f"localhost:{server.port}"}))[0] == 101

    async def test_echo_connections_count_against_the_limit(self, server: RunningServer) -> None:
        echo = await websocket_connect(ws_at(server, "/echo"))
        echo.write_message("hello")
        assert await echo.read_message() == "hello"
        await JsonClient.joined(server.ws_url())
        assert (await handshake_status(ws_at(server, "/echo")))[0] == 503
        assert (await handshake_status(server.ws_url()))[0] == 503


class TestHostBehindAProxy:
    async def test_with_a_token_the_proxys_host_header_is_accepted(self, serve: Serve) -> None:
        server = await serve(autostart=False, control_token="proxy-token-123")
        public = {"Host": "timer.example.org", "Origin": "https://timer.example.org"}
        assert (await handshake_status(server.ws_url(), public))[0] == 101


HUB = {"Host": "hub.example.org", "Origin": "https://hub.example.org"}


class TestAllowedHosts:
    """A proxy in front of a loopback server (Jupyter's, on a hub) forwards the browser's own Host and Origin:
    the names given with allow_hosts are answered, and everything else still guards against DNS rebinding."""

    async def test_the_proxys_public_name_is_refused_unless_allowed(self, serve: Serve) -> None:
        plain = await serve(autostart=False)
        status, reason = await handshake_status(plain.ws_url(), HUB)
        assert status == 403 and "--allow-host" in reason
        allowed = await serve(autostart=False, allow_hosts=["HUB.example.org"])  # any case; a list is fine
        assert (await handshake_status(allowed.ws_url(), HUB))[0] == 101
        on_a_port = {"Host": "hub.example.org:8443", "Origin": "https://hub.example.org:8443"}
        assert (await handshake_status(allowed.ws_url(), on_a_port))[0] == 101
        api = await http_get(http_at(allowed, "/api/v1/timers/default"), headers=HUB)
        assert api.code == 200

    async def test_other_names_and_other_sites_are_still_refused(self, serve: Serve) -> None:
        server = await serve(autostart=False, allow_hosts=("hub.example.org",))
        rebound = {"Host": f"evil.example:{server.port}", "Origin": f"http://evil.example:{server.port}"}
        assert (await handshake_status(server.ws_url(), rebound))[0] == 403
        assert (await handshake_status(server.ws_url(), {**HUB, "Host": "hub.example.org.evil.example"}))[0] == 403
        foreign = {"Host": "hub.example.org", "Origin": "https://evil.example"}  # the right name, another site
        assert (await handshake_status(server.ws_url(), foreign))[0] == 403
        assert (await handshake_status(server.ws_url(), {"Host": f"127.0.0.1:{server.port}"}))[0] == 101

    async def test_a_star_answers_any_name_and_origins_are_still_checked(self, serve: Serve) -> None:
        server = await serve(autostart=False, allow_hosts=("*",))
        assert (await handshake_status(server.ws_url(), {"Host": "anything.example"}))[0] == 101
        foreign = {"Host": "anything.example", "Origin": "https://evil.example"}
        assert (await handshake_status(server.ws_url(), foreign))[0] == 403

    @pytest.mark.parametrize("bad", ["hub.example.org:443", "https://hub.example.org", "", "a b", "hub/x"])
    def test_a_bad_name_is_a_clear_error(self, bad: str) -> None:
        with pytest.raises(ConfigError, match="--allow-host takes a host name"):
            ServerConfig(allow_hosts=(bad,))
        with pytest.raises(ConfigError, match="a list of host names"):
            ServerConfig(allow_hosts="hub.example.org")  # type: ignore[arg-type]


def test_allowed_host_headers() -> None:
    allowed = ("hub.example.org", "[2001:db8::1]", "10.0.0.5")
    for host in ["hub.example.org", "Hub.Example.Org:8443", "[2001:db8::1]:80", "10.0.0.5:8888"]:
        assert auth.is_allowed_host_header(host, allowed), host
    for host in ["evil.example", "hub.example.org.evil.example", "example.org", "", ":80", "[2001:db8::2]"]:
        assert not auth.is_allowed_host_header(host, allowed), host
    assert auth.is_allowed_host_header("anything", ("*",))
    assert not auth.is_allowed_host_header("anything", ())


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("0.0.0.0", False),
     ("::", False), ("192.168.1.5", False), ("example.org", False), ("", False)],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert auth.is_loopback(host) is loopback


def test_roles_and_constant_time_comparison() -> None:
    assert auth.role_for(None, None) == Role.CONTROLLER
    assert auth.role_for("anything", None) == Role.CONTROLLER
    assert auth.role_for(None, TOKEN) == Role.VIEWER
    assert auth.role_for("", TOKEN) == Role.VIEWER
    assert auth.role_for(TOKEN, TOKEN) == Role.CONTROLLER
    with pytest.raises(auth.WrongToken):
        auth.role_for("nope", TOKEN)
    with pytest.raises(auth.WrongToken):
        auth.role_for("é", TOKEN)


def test_redaction() -> None:
    assert auth.redact("/ws/a?token=abc&x=1") == "/ws/a?token=REDACTED&x=1"
    assert auth.redact("/?x=1&token=abc") == "/?x=1&token=REDACTED"
    assert auth.redact("/ws") == "/ws"
    assert auth.redact("/?%74oken=abc&tokens=2") == "/?%74oken=REDACTED&tokens=2"  # Tornado reads both as token
    assert auth.redact("/?token=abc#top") == "/?token=REDACTED#top"


def test_host_headers() -> None:
    for host in ["localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "app.localhost:3000"]:
        assert auth.is_loopback_host_header(host), host
    for host in ["evil.example", "evil.example:8080", "10.0.0.1", "[2001:db8::1]:80", "localhost.evil.example"]:
        assert not auth.is_loopback_host_header(host), host
