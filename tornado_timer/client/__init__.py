"""The Python client of the timer protocol: `TimerClient`, a reconnecting shell over the protocol's client session.

`client = await TimerClient(url).connect()` (or `async with TimerClient(url) as client:`), then drive the timer
with `await client.pause()` and read `client.timer`. See docs/client.md.
"""

from ..core.client_session import Received, Sent
from .backoff import Backoff, wall_clock_ms
from .connection import TimerClient, connect
from .errors import ConnectError, ConnectionLost, TimerError
from .watching import ConnectionStatus, Message

__all__ = [
    "Backoff",
    "ConnectError",
    "ConnectionLost",
    "ConnectionStatus",
    "Message",
    "Received",
    "Sent",
    "TimerClient",
    "TimerError",
    "connect",
    "wall_clock_ms",
]
