"""Prometheus metrics for one server. A registry per app, not the library's global one, so that several
servers in one process (the tests, a notebook) never mix their numbers."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENESS_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.connections = Gauge("tornado_timer_connections", "Open WebSocket connections", registry=self.registry)
        self.timers = Gauge("tornado_timer_timers", "Timers held by this process", registry=self.registry)
        self.messages_in = Counter("tornado_timer_messages_received", "Messages received from clients",
                                   registry=self.registry)
        self.messages_out = Counter("tornado_timer_messages_sent", "Messages sent to clients (one per client)",
                                    registry=self.registry)
        self.errors = Counter("tornado_timer_errors", "Error messages sent to clients, by code", ["code"],
                              registry=self.registry)
        self.dropped_ticks = Counter("tornado_timer_dropped_ticks",
                                     "Ticks not sent to a slow client (a newer tick replaced them)",
                                     registry=self.registry)
        self.tick_lateness = Histogram("tornado_timer_tick_lateness_seconds",
                                       "How long after its grid point a tick was sent", buckets=LATENESS_BUCKETS,
                                       registry=self.registry)
        self.native_send = Gauge("tornado_timer_native_send",
                                 "1 if broadcasts go through the C send loop, 0 on the pure-Python path",
                                 registry=self.registry)
        self.store_available = Gauge("tornado_timer_store_available", "1 if the timer store can be reached",
                                     registry=self.registry)
        self.state_unsaved = Gauge("tornado_timer_state_unsaved",
                                   "1 while changes cannot be saved (the state file cannot be written)",
                                   registry=self.registry)

    def watch(self, connections: Callable[[], float], timers: Callable[[], float],
              store_available: Callable[[], float], state_unsaved: Callable[[], float] = lambda: 0.0) -> None:
        """Read the gauges from the live objects when scraped, instead of keeping counts in step by hand."""
        self.connections.set_function(connections)
        self.timers.set_function(timers)
        self.store_available.set_function(store_available)
        self.state_unsaved.set_function(state_unsaved)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
