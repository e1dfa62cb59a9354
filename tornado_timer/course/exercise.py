"""What an exercise of the course is: a task the learner answers with a function, the check that runs that function
(against a real server, where the task talks to one) and says what it found, and one solution, shown only when asked.

A check never raises for a wrong or unfinished answer: it returns a `Verdict` that shows in the notebook as a few
lines (passed, failed and why, or not done yet). An answer still being the stub (`...` as its body, so it returns
None, or `raise NotImplementedError`) is "not done yet", so a notebook runs top to bottom before anyone has tried.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..server import RunningServer, start_server

#: How long one call of the learner's function may take before the check gives up on it.
CALL_TIMEOUT_S = 15.0
_QUIET_LOGGERS = ("tornado.access", "tornado.general", "tornado.application", "websockets.server")


class NotDone(Exception):
    """The answer is still the stub: it returned None or raised NotImplementedError."""


class Wrong(Exception):
    """The answer ran and gave something else than the task asks for; the message says what and why."""


Checker = Callable[["Report", Callable[..., Any]], Awaitable[None]]


@dataclass(frozen=True)
class Exercise:
    """One task: `key` like "2.1" (notebook 2, first exercise), the function it asks for, its check and solution."""

    key: str
    title: str
    asks_for: str
    checker: Checker
    solution: Callable[..., Any]


@dataclass(frozen=True)
class Verdict:
    """What a check found: `outcome` is "passed", "failed" or "not done", and `lines` say what was tried."""

    key: str
    title: str
    outcome: str
    lines: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    def headline(self) -> str:
        mark = {"passed": "PASSED", "failed": "NOT YET RIGHT", "not done": "NOT DONE YET"}[self.outcome]
        return f"Exercise {self.key} ({self.title}): {mark}"

    def __str__(self) -> str:
        return "\n".join([self.headline(), *(f"  {line}" for line in self.lines)])

    def _repr_markdown_(self) -> str:
        body = "\n".join(f"- {line}" for line in self.lines)
        return f"**{self.headline()}**\n\n{body}"

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Solution:
    """One answer to an exercise: shown as its source, and callable like the function it is."""

    key: str
    function: Callable[..., Any]

    @property
    def source(self) -> str:
        return textwrap.dedent(inspect.getsource(self.function)).strip()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __str__(self) -> str:
        return f"# A solution to exercise {self.key}\n{self.source}"

    def _repr_markdown_(self) -> str:
        where = self.function.__module__
        return (f"**A solution to exercise {self.key}** (one of many; its imports are at the top of `{where}`):"
                f"\n\n```python\n{self.source}\n```")

    def __repr__(self) -> str:
        return str(self)


@dataclass
class Report:
    """What a checker writes as it goes; it raises `Wrong` (or `NotDone`) to end the check early."""

    name: str
    lines: list[str] = field(default_factory=list)

    def ok(self, line: str) -> None:
        """Note something the answer got right."""
        self.lines.append(f"ok: {line}")

    def note(self, line: str) -> None:
        """Note something worth seeing, right or wrong."""
        self.lines.append(line)

    def expect(self, condition: bool, failure: str, success: str | None = None) -> None:
        """Raise `Wrong(failure)` unless `condition`; note `success` if given."""
        if not condition:
            raise Wrong(failure)
        if success is not None:
            self.ok(success)

    async def call(self, answer: Callable[..., Any], *args: Any, timeout: float = CALL_TIMEOUT_S) -> Any:
        """Run the learner's function (plain or async) on `args`; None or NotImplementedError mean not done."""
        try:
            result = answer(*args)
            if inspect.isawaitable(result):
                result = await asyncio.wait_for(_awaited(result), timeout)
        except NotImplementedError:
            raise NotDone from None
        except (Wrong, NotDone):
            raise
        except asyncio.TimeoutError:
            raise Wrong(f"{self.name}(...) did not finish within {timeout:g} s") from None
        except Exception as error:  # the learner's code: any error is an answer to report, not a crash
            raise Wrong(f"{self.name}(...) raised {type(error).__name__}: {error}") from None
        if result is None:
            raise NotDone
        return result


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def run_check(exercise: Exercise, answer: Callable[..., Any]) -> Verdict:
    """Check `answer` against `exercise`: a Verdict, never an exception for a wrong or unfinished answer."""
    name = getattr(answer, "__name__", exercise.asks_for)
    report = Report(name)
    try:
        with quiet_servers():
            await exercise.checker(report, answer)
    except NotDone:
        hint = (f"`{name}` still returns None (the `...` stub): write it, run the cell again. "
                f'`course.solution("{exercise.key}")` shows one answer.')
        return Verdict(exercise.key, exercise.title, "not done", (hint,))
    except Wrong as wrong:
        lines = (*report.lines, f"but: {wrong}", f'stuck? `course.solution("{exercise.key}")` shows one answer')
        return Verdict(exercise.key, exercise.title, "failed", lines)
    return Verdict(exercise.key, exercise.title, "passed", tuple(report.lines))


@contextlib.contextmanager
def quiet_servers() -> Iterator[None]:
    """Keep the check's own servers from logging every refused handshake into the notebook."""
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextlib.asynccontextmanager
async def fresh_server(**config: Any) -> AsyncIterator[RunningServer]:
    """A timer server of the check's own on a free loopback port, stopped (and drained) afterwards."""
    server = start_server(**config)
    try:
        await server.ready()
        yield server
    finally:
        server.stop()
        await server.drain(0.3)
