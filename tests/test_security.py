"""Roles, tokens, origins and limits, over real sockets."""

from __future__ import annotations

import asyncio
import logging

import pytest
from support import JsonClient
from test_server import ServerTestCase
from tornado.testing import gen_test

from tornado_timer import ServerConfig
from tornado_timer.core.server_session import Role
from tornado_timer.server import auth

TOKEN = "s3cret-control-token"


class TestRoles(ServerTestCase):
    config = ServerConfig(host="127.0.0.1", port=0, autostart=False, control_token=TOKEN)

    @gen_test
    async def test_a_viewer_may_watch_and_ping_but_its_commands_are_forbidden(self) -> None:
        viewer = JsonClient(await self.connect("/ws"))
        first = await viewer.next()
        assert first["role"] == "viewer"
        error = await viewer.command({"type": "start", "id": 1})
        assert (error["code"], error["id"]) == ("forbidden", 1)
        assert "control token" in error["message"]
        viewer.send({"type": "ping", "client_time": 1})
        assert (await viewer.next_of("pong"))["client_time"] == 1
        assert self.timer_app.registry.default.timer.version == 0

    @gen_test
    async def test_the_token_in_the_query_or_a_bearer_header_makes_a_controller(self) -> None:
        by_query = JsonClient(await self.connect(f"/ws?token={TOKEN}"))
        assert (await by_query.next())["role"] == "controller"
        by_header = JsonClient(await self.connect("/ws", {"Authorization": f"Bearer {TOKEN}"}))
        assert (await by_header.next())["role"] == "controller"
        assert (await by_query.command({"type": "start"}))["timer"]["status"] == "running"
        assert (await by_header.next_of("state"))["timer"]["status"] == "running"
        assert (await by_header.command({"type": "pause"}))["timer"]["status"] == "paused"

    @gen_test
    async def test_a_wrong_token_is_refused_at_the_handshake(self) -> None:
        assert (await self.handshake_status("/ws?token=guess"))[0] == 403
        assert (await self.handshake_status("/ws", {"Authorization": "Bearer guess"}))[0] == 403
        assert (await self.handshake_status("/ws?token=" + TOKEN[:-1]))[0] == 403

    @gen_test
    async def test_the_token_never_reaches_the_logs(self) -> None:
        records: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
        logger = logging.getLogger("tornado.access")
        logger.addHandler(handler)
        old_level = logger.level
        logger.setLevel(logging.INFO)
        try:
            JsonClient(await self.connect(f"/ws?token={TOKEN}"))
            await self.handshake_status("/ws?token=wrong-guess-123")
            await asyncio.sleep(0.05)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
        assert records, "the access log should have lines"
        assert not any(TOKEN in line or "wrong-guess-123" in line for line in records), records
        assert any("token=REDACTED" in line for line in records)


class TestLimits(ServerTestCase):
    config = ServerConfig(host="127.0.0.1", port=0, autostart=False, max_connections=4,
                          max_connections_per_timer=3, max_messages_per_second=5)

    @gen_test
    async def test_too_many_connections_in_all_or_to_one_timer_are_refused_with_503(self) -> None:
        held = [await self.client() for _ in range(3)]
        status, reason = await self.handshake_status("/ws")
        assert (status, "maximum of 3 connections" in reason) == (503, True)
        held.append(await self.client("/ws/other"))
        status, reason = await self.handshake_status("/ws/third")
        assert (status, "maximum of 4 connections" in reason) == (503, True)
        held[0].close()
        await asyncio.sleep(0.1)
        assert (await self.handshake_status("/ws"))[0] == 101

    @gen_test
    async def test_too_fast_gets_rate_limited_then_closed_with_1008(self) -> None:
        client = await self.client()
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

    @gen_test
    async def test_a_client_within_the_limit_is_never_limited(self) -> None:
        client = await self.client()
        for number in range(12):
            client.send({"type": "ping", "client_time": number})
            assert (await client.next())["type"] == "pong"
            await asyncio.sleep(0.22)


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
