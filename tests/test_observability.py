"""/healthz and /metrics tell the truth about the server."""

from __future__ import annotations

import json

import pytest
from helpers import JsonClient, Serve, http_at, http_get

from tornado_timer import RunningServer, ServerConfig, make_app
from tornado_timer.core.model import Mode, Settings, Timer
from tornado_timer.server import fanout
from tornado_timer.server.channel import LoopClock, TimerChannel
from tornado_timer.server.metrics import Metrics


def metric(text: str, name: str) -> float:
    """The value of one sample line `name value` in Prometheus text format."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in the metrics")


# A hang guard: each of these finishes in well under a second.
@pytest.mark.async_timeout(5)
class TestObservability:
    @pytest.fixture
    async def server(self, serve: Serve) -> RunningServer:
        return await serve(interval=0.05, autostart=False)

    @staticmethod
    async def scrape(server: RunningServer) -> str:
        response = await http_get(http_at(server, "/metrics"))
        assert response.code == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return response.body.decode()

    async def test_health_counts_connections_and_timers(self, server: RunningServer) -> None:
        clients = [await JsonClient.joined(server.ws_url()), await JsonClient.joined(server.ws_url("second"))]
        response = await http_get(http_at(server, "/healthz"), raise_error=True)
        body = json.loads(response.body)
        assert (response.code, body["status"], body["connections"], body["timers"]) == (200, "ok", 2, 2)
        assert body["store_available"] is True
        assert clients

    async def test_metrics_count_messages_errors_and_tick_lateness(self, server: RunningServer) -> None:
        sender, watcher = await JsonClient.joined(server.ws_url()), await JsonClient.joined(server.ws_url())
        await sender.command({"type": "start"})
        ticks = [await watcher.next_of("tick") for _ in range(4)]
        await sender.command({"type": "pause"})
        await sender.command("not json")
        await sender.command({"type": "pause"})
        text = (await http_get(http_at(server, "/metrics"), raise_error=True)).body.decode()
        assert metric(text, "tornado_timer_connections") == 2
        assert metric(text, "tornado_timer_timers") == 1
        assert metric(text, "tornado_timer_messages_received_total") == 4
        assert metric(text, 'tornado_timer_errors_total{code="invalid_json"}') == 1
        assert metric(text, 'tornado_timer_errors_total{code="invalid_state"}') == 1
        # 2 first states + 2 x (2 states: start and pause) + the ticks to both + 2 errors
        sent = metric(text, "tornado_timer_messages_sent_total")
        assert sent >= 2 + 4 + 2 * len(ticks) + 2
        assert metric(text, "tornado_timer_tick_lateness_seconds_count") >= len(ticks)
        assert metric(text, 'tornado_timer_tick_lateness_seconds_bucket{le="0.05"}') >= len(ticks) - 1
        assert metric(text, "tornado_timer_store_available") == 1
        assert "tornado_timer_dropped_ticks_total" in text

    async def test_two_servers_in_one_process_keep_their_own_numbers(self, server: RunningServer) -> None:
        other = make_app(ServerConfig(host="127.0.0.1", port=0))
        other.metrics.messages_in.inc(5)
        assert metric(await self.scrape(server), "tornado_timer_messages_received_total") == 0


class _Held:
    """A subscriber whose outbox holds every tick back (a slow reader)."""

    def __init__(self, accepts: bool) -> None:
        self.outbox = self
        self.accepts = accepts

    def deliver(self, frame: bytes, text: str, droppable: bool) -> bool:
        return self.accepts

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        pass


def test_ticks_held_back_from_slow_clients_are_counted_as_dropped() -> None:
    metrics = Metrics()
    channel = TimerChannel(Timer.create("t", Settings(Mode.STOPWATCH), 1000), LoopClock(), metrics, lambda c: None)
    channel.subscribers.update({held: held for held in (_Held(True), _Held(False), _Held(False))})  # type: ignore[misc]
    channel.broadcast('{"type":"tick"}', droppable=True)
    channel.broadcast('{"type":"state"}')
    assert metrics.dropped_ticks._value.get() == 2
    assert metrics.messages_out._value.get() == 1 + 1
    assert fanout.frame_text("x") == b"\x81\x01x"
