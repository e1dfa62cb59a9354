"""Where timer state lives, behind one small interface: this process's memory (default) or Redis."""

from .base import StoreUnavailable, TimerStore, VersionConflict
from .memory import MemoryStore

__all__ = ["MemoryStore", "StoreUnavailable", "TimerStore", "VersionConflict"]
