"""One contract, both stores: what the registry relies on, checked against memory and a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from helpers import eventually

from tornado_timer.core.record import Record
from tornado_timer.store import TimerStore, VersionConflict, store_from_url
from tornado_timer.store.memory import MemoryStore


def record(name: str = "t", version: int = 0, status: str = "idle") -> Record:
    return {"name": name, "mode": "stopwatch", "status": status, "duration_ms": None, "interval_ms": 1000,
            "initial_ms": 0, "banked_ms": 0.0, "run_started_at": None, "version": version}


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TimerStore]:
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    opened = store_from_url(url, str(tmp_path / "state.json"))
    await opened.open(lambda record: None, lambda available: None)
    yield opened
    await opened.close()


class TestContract:
    async def test_a_name_never_stored_is_none(self, store: TimerStore) -> None:
        assert await store.get("nobody") is None

    async def test_create_only_if_absent(self, store: TimerStore) -> None:
        await store.put(record(), expected_version=None)
        assert await store.get("t") == record()
        with pytest.raises(VersionConflict):
            await store.put(record(), expected_version=None)

    async def test_change_only_from_the_expected_version(self, store: TimerStore) -> None:
        await store.put(record(), expected_version=None)
        await store.put(record(version=1, status="running"), expected_version=0)
        with pytest.raises(VersionConflict):
            await store.put(record(version=2), expected_version=0)
        with pytest.raises(VersionConflict):
            await store.put(record(name="other", version=1), expected_version=0)
        assert (await store.get("t")) == record(version=1, status="running")

    async def test_racing_writers_one_wins_per_version(self, store: TimerStore) -> None:
        await store.put(record(), expected_version=None)

        async def attempt(status: str) -> bool:
            try:
                await store.put(record(version=1, status=status), expected_version=0)
            except VersionConflict:
                return False
            return True

        wins = await asyncio.gather(*(attempt(s) for s in ["running", "paused", "finished"] * 10))
        assert sum(wins) == 1

    async def test_names_are_separate(self, store: TimerStore) -> None:
        await store.put(record("a"), expected_version=None)
        await store.put(record("b", version=0, status="paused"), expected_version=None)
        assert (await store.get("a"), await store.get("b")) == (record("a"), record("b", status="paused"))

    async def test_available_while_open(self, store: TimerStore) -> None:
        assert store.available

    async def test_a_listing_is_bounded_and_says_when_there_are_more(self, store: TimerStore) -> None:
        assert await store.list_records(10) == ([], False)
        for name in ("a", "b", "c"):
            await store.put(record(name, version=1), expected_version=None)
        records, more = await store.list_records(10)
        assert (sorted(r["name"] for r in records), more) == (["a", "b", "c"], False)
        records, more = await store.list_records(2)
        assert (len(records), more) == (2, True)
        assert all(r == record(r["name"], version=1) for r in records)


async def test_a_reopened_store_has_what_was_stored(tmp_path: Path, redis_url: str) -> None:
    for url in ["memory://", redis_url]:
        first = store_from_url(url, str(tmp_path / "state.json"))
        await first.open(lambda r: None, lambda a: None)
        await first.put(record("kept"), expected_version=None)
        await first.close()
        second = store_from_url(url, str(tmp_path / "state.json"))
        loaded = await second.open(lambda r: None, lambda a: None)
        assert record("kept") in loaded, url
        await second.close()


async def test_redis_tells_other_processes_about_changes(redis_url: str) -> None:
    heard: list[Record] = []
    writer, listener = store_from_url(redis_url), store_from_url(redis_url)
    await writer.open(lambda r: None, lambda a: None)
    await listener.open(heard.append, lambda a: None)
    await asyncio.sleep(0.2)  # the listener's subscription is in place
    await writer.put(record("shared"), expected_version=None)
    await eventually(lambda: heard, 1.0, interval=0.02)
    assert heard == [record("shared")]
    await writer.close()
    await listener.close()


def test_unknown_store_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="memory:// or redis://"):
        store_from_url("mongodb://x")
    assert isinstance(store_from_url("memory://"), MemoryStore)


async def test_a_change_made_while_redis_is_read_at_start_is_never_missed(redis_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process changes a timer just after this one has read the store: the change must still arrive (it
    comes through the subscription, which is in place before the read)."""
    from tornado_timer.store.redis import RedisStore

    writer, starting = store_from_url(redis_url), store_from_url(redis_url)
    await writer.open(lambda r: None, lambda a: None)
    await writer.put(record("shared"), expected_version=None)
    assert isinstance(starting, RedisStore)
    read_all = starting._load_all

    async def read_then_another_process_writes() -> list[Record]:
        loaded = await read_all()
        await writer.put(record("shared", version=1, status="running"), expected_version=0)
        return loaded

    monkeypatch.setattr(starting, "_load_all", read_then_another_process_writes)
    heard: list[Record] = []
    loaded = await starting.open(heard.append, lambda a: None)
    assert loaded == [record("shared")], "read before the change"
    assert await eventually(lambda: heard, 2.0, interval=0.02) == [record("shared", version=1, status="running")]
    await writer.close()
    await starting.close()
