"""The original demo's style of `websockets` server, run on today's release (notebook 9), to see how it breaks.

The demo was written the way that library's examples were for years: a handler taking `(websocket, path)`,
and a server made at module level with `websockets.serve(...)`, run with `asyncio.get_event_loop()`. Since
websockets 14.0, `websockets.serve` is the new asyncio implementation, which does neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

#: A server in the style of the original, as a script (it is run in a separate Python, as `python server.py` was).
ORIGINAL_STYLE = '''
import asyncio
import json

import websockets

TIMER_INTERVAL = 1


async def timer(websocket, path):
    elapsed = 0
    while True:
        await websocket.send(json.dumps({"elapsed": elapsed}))
        await asyncio.sleep(TIMER_INTERVAL)
        elapsed += TIMER_INTERVAL


start_server = websockets.serve(timer, "127.0.0.1", 0)
asyncio.get_event_loop().run_until_complete(start_server)
asyncio.get_event_loop().run_forever()
'''


async def legacy_handler(websocket: Any, path: str) -> None:
    """The original's handler signature: today's server calls handlers with the connection alone."""
    await websocket.send(f"hello from {path}")


def run_script(source: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run `source` in a separate Python, as `python server.py` would; stopped after `timeout` seconds."""
    return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=timeout,
                          check=False)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.errors.append(f"{record.getMessage()}: {type(error).__name__}: {error}" if error else record.getMessage())


@contextlib.contextmanager
def collected_errors() -> Iterator[list[str]]:
    """The errors `websockets` servers log meanwhile, kept in a list instead of printed."""
    collect = _Collect()
    server_log = logging.getLogger("websockets.server")
    server_log.addHandler(collect)
    propagate, level = server_log.propagate, server_log.level
    server_log.propagate = False
    server_log.setLevel(logging.ERROR)
    try:
        yield collect.errors
    finally:
        server_log.removeHandler(collect)
        server_log.propagate = propagate
        server_log.setLevel(level)


async def serve_once(handler: Callable[..., Awaitable[None]]) -> tuple[int | None, str, list[str]]:
    """Serve `handler` with today's `websockets.serve`, connect once, and read: the close code the client got,
    what it received, and the errors the server logged."""
    import websockets
    from websockets.asyncio.client import connect

    with collected_errors() as errors:
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            async with connect(f"ws://127.0.0.1:{port}/timer") as client:
                received = ""
                with contextlib.suppress(websockets.ConnectionClosed):
                    received = str(await asyncio.wait_for(client.recv(), 5))
                if not received:
                    await client.wait_closed()
                code = client.close_code
    return code, received, list(errors)
