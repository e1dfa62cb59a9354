"""The notebook course's support code: exercises with their checks and solutions, and the helpers of its demos.

In a notebook, after `from tornado_timer import course`: `await course.check("2.1", my_function)` runs your answer
to exercise 2.1 (against a real server where the task talks to one) and says what it found, and
`course.solution("2.1")` shows one answer. A notebook's exercises are loaded when first asked for, so notebook 1
doesn't import what notebook 9 needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from .exercise import Exercise, Solution, Verdict, run_check

__all__ = ["Exercise", "Solution", "Verdict", "check", "check_solutions", "exercise", "exercises_of", "solution"]

#: Which module of `tornado_timer.course.exercises` holds each notebook's exercises.
MODULES = MappingProxyType({
    1: "handshake",
    2: "frames",
    3: "duplex",
    4: "drift",
    5: "many_clients",
    6: "widget",
    7: "robustness",
    8: "security",
    9: "server_side",
})


def exercises_of(notebook: int) -> tuple[Exercise, ...]:
    """The exercises of one notebook, in order."""
    if notebook not in MODULES:
        raise KeyError(f"there is no notebook {notebook}; the course has notebooks {min(MODULES)}-{max(MODULES)}")
    module = importlib.import_module(f".exercises.{MODULES[notebook]}", __name__)
    found: tuple[Exercise, ...] = module.EXERCISES
    return found


def exercise(key: str) -> Exercise:
    """The exercise called `key`, like "2.1" (notebook 2, its first exercise)."""
    notebook, _, _ = str(key).partition(".")
    if not notebook.isdigit():
        raise KeyError(f"an exercise is named like '2.1' (notebook 2, exercise 1), not {key!r}")
    known = exercises_of(int(notebook))
    for candidate in known:
        if candidate.key == key:
            return candidate
    raise KeyError(f"notebook {notebook} has exercises {', '.join(e.key for e in known)}, not {key!r}")


async def check(key: str, answer: Callable[..., Any]) -> Verdict:
    """Run your answer to exercise `key` and say what it found (it never raises for a wrong answer)."""
    return await run_check(exercise(key), answer)


def solution(key: str) -> Solution:
    """One answer to exercise `key`: it shows as its source code, and can be called (or checked) like yours."""
    found = exercise(key)
    return Solution(found.key, found.solution)


async def check_solutions(notebook: int) -> dict[str, Verdict]:
    """Check every solution of a notebook's exercises: each should pass."""
    return {e.key: await run_check(e, e.solution) for e in exercises_of(notebook)}
