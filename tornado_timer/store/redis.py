"""The Redis store: many server processes, one set of timers.

Redis holds each timer's record (JSON under `PREFIX:timer:NAME`) and carries changes on one pub/sub
channel. It never carries ticks: every process derives them from the record on its own clock, so Redis's
load grows with commands, not with clients x ticks. A change is a compare-and-set on the record's version,
done atomically in a Lua script that also publishes it, so two processes racing can't both win.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from typing import Any
from urllib.parse import urlsplit

from ..core.record import Record
from .base import AvailabilityListener, ChangeListener, StoreUnavailable, TimerStore, VersionConflict

try:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import RedisError
    from redis.exceptions import TimeoutError as RedisTimeout
except ImportError:  # the optional extra: pip install 'tornado-timer[redis]'
    aioredis = None  # type: ignore[assignment]
    RedisError = RedisTimeout = Exception  # type: ignore[assignment,misc]

log = logging.getLogger("tornado_timer.redis")

# KEYS[1] the record, KEYS[2] the channel; ARGV[1] the new record, ARGV[2] the expected version ("" = none).
COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if current then
  if ARGV[2] == '' or cjson.decode(current)['version'] ~= tonumber(ARGV[2]) then return 0 end
elseif ARGV[2] ~= '' then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1
"""
# KEYS[1] the record: deleted only while it is a timer nobody ever changed (version 0).
FORGET_PRISTINE = """
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['version'] == 0 then redis.call('DEL', KEYS[1]) return 1 end
return 0
"""
BACKOFF_START, BACKOFF_CAP = 0.1, 5.0
POLL_SECONDS = 0.5  # how often the listener looks up from pub/sub (to ping Redis, or to stop)
PING_SECONDS = 1.0  # a Redis that hangs (or a network that drops packets) is noticed within this + the timeout
SCAN_COUNT, MAX_SCAN_ROUNDS = 500, 100  # a listing looks at no more than 50,000 keys


class RedisStore(TimerStore):
    multi_process = True

    def __init__(self, url: str, prefix: str = "tornado-timer") -> None:
        if aioredis is None:
            raise RuntimeError("the Redis store needs the redis package: pip install 'tornado-timer[redis]'")
        self.url = url
        self.prefix = prefix
        self.channel = f"{prefix}:changes"
        # No retries: a command redis-py resent after a timeout could be applied after we said it was not.
        self.client = aioredis.from_url(url, decode_responses=True, socket_connect_timeout=2, socket_timeout=2,
                                        health_check_interval=5, retry=Retry(NoBackoff(), 0))
        self.cas = self.client.register_script(COMPARE_AND_SET)
        self.forget_pristine = self.client.register_script(FORGET_PRISTINE)
        self._available = False
        self._lost = False  # has it ever gone away (so that coming back is news)?
        self._closing = False
        self._listener: asyncio.Task[None] | None = None
        self._on_change: ChangeListener = lambda record: None
        self._on_availability: AvailabilityListener = lambda available: None

    @property
    def available(self) -> bool:
        return self._available

    def key(self, name: str) -> str:
        return f"{self.prefix}:timer:{name}"

    async def open(self, on_change: ChangeListener, on_availability: AvailabilityListener) -> list[Record]:
        """Subscribe to the changes first, then read the records: a change another process makes meanwhile is in
        what we read or comes through the subscription (or both: versions sort that out), never in neither."""
        self._on_change, self._on_availability = on_change, on_availability
        pubsub = self.client.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            records = await self._load_all()
        except (RedisError, OSError) as error:
            await _close_quietly(pubsub)
            raise StoreUnavailable(f"cannot reach Redis at {_safe(self.url)} ({error})") from None
        self._available = True  # from the start: nobody needs to hear of it
        if self._listener is None:  # a retried start must not start a second listener
            self._listener = asyncio.ensure_future(self._listen_forever(pubsub))
        else:
            await _close_quietly(pubsub)
        return records

    async def close(self) -> None:
        self._closing = True
        if self._listener is not None:
            # redis-py's get_message can swallow a cancellation; the flag ends the loop within its poll either way.
            self._listener.cancel()
            await asyncio.wait([self._listener], timeout=2 * POLL_SECONDS)
        await self.client.aclose()

    async def get(self, name: str) -> Record | None:
        text = await self._call(self.client.get(self.key(name)))
        return None if text is None else _decode(text)

    async def put(self, record: Record, expected_version: int | None) -> None:
        expected = "" if expected_version is None else str(expected_version)
        text = json.dumps(record, separators=(",", ":"))
        done = await self._call(self.cas(keys=[self.key(record["name"]), self.channel], args=[text, expected]))
        if not done:
            raise VersionConflict(record["name"])

    async def forget(self, name: str) -> None:
        await self._call(self.forget_pristine(keys=[self.key(name)]))

    async def list_records(self, limit: int) -> tuple[list[Record], bool]:
        """A bounded SCAN for the timers' keys, then one MGET; a record that does not decode is left out."""
        keys, cursor = [], 0
        for _ in range(MAX_SCAN_ROUNDS):
            cursor, found = await self._call(self.client.scan(cursor, match=self.key("*"), count=SCAN_COUNT))
            keys.extend(found)
            if cursor == 0 or len(keys) > limit:
                break
        texts = await self._call(self.client.mget(keys[:limit])) if keys else []
        records = []
        for text in texts:
            if text is not None:
                with contextlib.suppress(ValueError):
                    records.append(_decode(text))
        return records, cursor != 0 or len(keys) > limit

    async def _call(self, awaitable: Any) -> Any:
        """Run one Redis command; a lost connection becomes StoreUnavailable and starts the reconnect loop."""
        if not self._available:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()  # never to be awaited: close it so Python does not warn
            raise StoreUnavailable("Redis is unreachable; commands are refused until it is back")
        try:
            return await awaitable
        except (RedisTimeout, asyncio.TimeoutError) as error:
            self._set_available(False)
            raise StoreUnavailable(f"Redis did not answer in time ({type(error).__name__}); the command may or "
                                   "may not have been applied: the state you see next is the truth") from None
        except (RedisError, OSError) as error:
            self._set_available(False)
            raise StoreUnavailable(f"Redis is unreachable ({type(error).__name__})") from None

    async def _load_all(self) -> list[Record]:
        records = []
        async for key in self.client.scan_iter(match=self.key("*"), count=500):
            text = await self.client.get(key)
            if text is not None:
                records.append(_decode(text))
        return records

    async def _listen_forever(self, subscribed: Any) -> None:
        """Hear other processes' changes (first on the subscription `open` made); when Redis goes away, report it,
        subscribe again with backoff, and let the registry re-read what it shows."""
        delay, pubsub = BACKOFF_START, subscribed
        while not self._stopping():
            try:
                if pubsub is None:
                    pubsub = self.client.pubsub()
                    await pubsub.subscribe(self.channel)
                delay = BACKOFF_START
                await self._relay(pubsub)
            except (RedisError, OSError, ValueError) as error:
                if self._available:
                    log.warning("lost Redis at %s (%s); reconnecting", _safe(self.url), type(error).__name__)
                self._set_available(False)
            finally:
                if pubsub is not None:
                    await _close_quietly(pubsub)
                pubsub = None
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(BACKOFF_CAP, delay * 2)

    async def _relay(self, pubsub: Any) -> None:
        """Pass on published changes, and ping Redis every second: a hung Redis must not look healthy."""
        loop = asyncio.get_running_loop()
        next_ping = loop.time()
        while not self._stopping():
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
            if message is not None and message.get("type") == "message":
                self._pass_on(message["data"])
            if loop.time() >= next_ping:
                await self.client.ping()
                next_ping = loop.time() + PING_SECONDS
                self._set_available(True)  # after an outage, the registry re-reads what it shows

    def _stopping(self) -> bool:
        """Closed, or cancelled: redis-py's get_message can swallow a cancellation, so look for it ourselves."""
        task = asyncio.current_task()
        cancelling = getattr(task, "cancelling", None)  # Python 3.11+
        return self._closing or bool(cancelling and cancelling())

    def _pass_on(self, data: str) -> None:
        """Hand a change to the registry; a bad one is logged, never allowed to stop the listener."""
        try:
            self._on_change(_decode(data))
        except Exception:  # a fault barrier: whatever one message does, the next ones must still arrive
            log.exception("ignored a change from Redis that could not be applied: %.200s", data)

    def _set_available(self, available: bool) -> None:
        if available != self._available:
            if available and self._lost:
                log.warning("Redis at %s is reachable again", _safe(self.url))
            self._lost = self._lost or not available
            self._available = available
            self._on_availability(available)


async def _close_quietly(pubsub: Any) -> None:
    """Let a subscription go; one whose connection is already gone may fail to, which changes nothing."""
    with contextlib.suppress(RedisError, OSError, asyncio.TimeoutError):
        await pubsub.aclose()


def _decode(text: str | bytes) -> Record:
    record = json.loads(text)
    if not isinstance(record, dict):
        raise ValueError("a timer record must be a JSON object")
    return record


def _safe(url: str) -> str:
    """The URL without a password, for logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}:{parts.port or 6379}{parts.path}"
