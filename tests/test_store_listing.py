"""Listing a store's timers (for GET /api/v1/timers), on both stores: bounded, and saying when there are more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tornado_timer.core.record import Record
from tornado_timer.store import TimerStore, store_from_url


def record(name: str) -> Record:
    return {"name": name, "mode": "stopwatch", "status": "idle", "duration_ms": None, "interval_ms": 1000,
            "initial_ms": 0, "banked_ms": 0.0, "run_started_at": None, "version": 1}


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TimerStore]:
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    opened = store_from_url(url, str(tmp_path / "state.json"))
    await opened.open(lambda record: None, lambda available: None)
    yield opened
    await opened.close()


async def test_a_listing_is_bounded_and_says_when_there_are_more(store: TimerStore) -> None:
    assert await store.list_records(10) == ([], False)
    for name in ("a", "b", "c"):
        await store.put(record(name), expected_version=None)
    records, more = await store.list_records(10)
    assert (sorted(r["name"] for r in records), more) == (["a", "b", "c"], False)
    records, more = await store.list_records(2)
    assert (len(records), more) == (2, True)
    assert all(r == record(r["name"]) for r in records)
