"""Where timer state lives, behind one small interface, picked by URL: this process's memory (the default,
`memory://`) or Redis (`redis://host:port/db`, shared by many server processes)."""

from __future__ import annotations

from pathlib import Path

from .base import StoreUnavailable, TimerStore, VersionConflict
from .memory import MemoryStore

SCHEMES = ("memory", "redis", "rediss")


def store_from_url(url: str, state_file: str | None = None) -> TimerStore:
    """`memory://` (saved to `state_file`, if given) or `redis://...`; anything else is a ValueError."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme == "memory":
        return MemoryStore(Path(state_file) if state_file else None)
    if scheme in ("redis", "rediss"):
        from .redis import RedisStore  # the optional extra: only imported when asked for

        return RedisStore(url)
    raise ValueError(f"--store takes memory:// or redis://host:port/db, not {url!r}")


__all__ = ["MemoryStore", "StoreUnavailable", "TimerStore", "VersionConflict", "store_from_url"]
