"""The plain HTTP side: a timer's snapshot, health, metrics and the page's files."""

from __future__ import annotations

import json
import os

from tornado import web

from ..core.errors import ErrorCode, ProtocolError
from ..core.messages import Snapshot
from ..store import StoreUnavailable
from .admission import Admission
from .guard import GuardedHandler
from .http_api import JsonHandler
from .metrics import Metrics
from .registry import TimerRegistry


class TimerApi(JsonHandler):
    """`GET /api/timers/<name>`: the snapshot over plain HTTP, for comparing with polling. Never creates. The older,
    read-only form of `GET /api/v1/timers/<name>` (`http_api.py`); its refusals have the same JSON shape."""

    def initialize(self, registry: TimerRegistry, admission: Admission) -> None:
        self.registry = registry
        self.admission = admission

    async def get(self, name: str) -> None:
        refusal = self.admission.host(self.request.host)
        if refusal is not None:
            return self.fail(ProtocolError(ErrorCode.FORBIDDEN, refusal.reason))
        try:
            await self.registry.ready()
            timer = await self.registry.lookup(name)  # this process's, or the store's (another process's)
        except StoreUnavailable as error:
            return self.fail(error)
        if timer is None:
            return self.fail(ProtocolError(ErrorCode.NOT_FOUND, "no such timer"))
        clock = self.registry.clock
        now_ms, wall_ms = clock.now_ms(), clock.wall_ms()
        body = {"timer": Snapshot.of(timer, now_ms, wall_ms).to_json(), "server_time": round(wall_ms)}
        self.finish(json.dumps(body))


class Health(GuardedHandler):
    """`GET /healthz`: cheap, for load balancers. 503 only while starting: a degraded process (its store is
    down, or its state file cannot be written) still serves every screen it has, so it stays in the pool; the
    body says "degraded" and why, for monitoring (and /metrics has a gauge of each)."""

    def initialize(self, registry: TimerRegistry) -> None:
        self.registry = registry

    def get(self) -> None:
        store = self.registry.store
        available, problem = store.available, store.problem
        reason = problem if available else "the shared store cannot be reached"
        status = "starting" if not self.registry.is_ready else "degraded" if reason else "ok"
        self.set_status(503 if status == "starting" else 200)
        self.set_header("Cache-Control", "no-store")
        body = {"status": status, "store_available": available, "connections": self.registry.connection_count(),
                "timers": len(self.registry), "pid": os.getpid()}
        if status == "degraded":
            body["reason"] = reason
        self.finish(body)


class MetricsPage(GuardedHandler):
    """`GET /metrics`: Prometheus text format."""

    def initialize(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self.metrics.exposition())


class PageFiles(GuardedHandler, web.StaticFileHandler):
    """The page's files, with tokens (the page's ?token=) kept out of error logs."""
