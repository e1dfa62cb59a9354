"""Durations as people write them in a URL: `90`, `-30`, `1.5`, `5m`, `-1m`, `1h30m`, `90s`, `500ms`, `1:30`,
`-0:30`, `1:02:03`, turned into whole milliseconds.

For the HTTP API, whose callers (a Stream Deck button, a Companion action, a script) type durations by hand. A bare
number is seconds; units come in the order h, m, s, ms, each at most once; a clock is M:SS or H:MM:SS. Only the
form is checked here: the range is the protocol's business (`commands.py`), so a duration is judged the same way
however it was written. Pure and bounded: at most MAX_CHARS characters are looked at.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

MAX_CHARS = 32
EXAMPLES = "90 (seconds), -30, 5m, -1m, 1h30m, 90s, 500ms, 1:30, -0:30 or 1:02:03"

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_UNITS = re.compile(
    rf"(?:(?P<h>{_NUMBER})h)?(?:(?P<m>{_NUMBER})m(?!s))?(?:(?P<s>{_NUMBER})s)?(?:(?P<ms>{_NUMBER})ms)?"
)
_CLOCK = re.compile(r"(?:(?P<h>[0-9]+):(?P<m>[0-9]{2})|(?P<m_only>[0-9]+)):(?P<s>[0-9]{2}(?:\.[0-9]{1,3})?)")
_SECONDS = re.compile(_NUMBER)
_MS_PER = {"h": Decimal(3_600_000), "m": Decimal(60_000), "s": Decimal(1000), "ms": Decimal(1)}


def parse_duration(text: str) -> int:
    """`text` in whole milliseconds (negative with a leading `-`); ValueError if it is not a duration."""
    cleaned = text.strip().lower()
    if len(cleaned) > MAX_CHARS:
        raise ValueError(f"a duration is at most {MAX_CHARS} characters")
    sign = -1 if cleaned.startswith("-") else 1
    body = cleaned[1:] if cleaned[:1] in ("-", "+") else cleaned
    total = _milliseconds(body)
    if total is None:
        raise ValueError(f"not a duration: write it like {EXAMPLES}")
    return sign * int(total.to_integral_value(rounding=ROUND_HALF_UP))


def seconds_to_ms(seconds: float) -> int:
    """A number of seconds (a JSON number where a duration goes) in whole milliseconds; ValueError if not finite."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        raise ValueError("a duration is a finite number of seconds or a text like 5m")
    return int((Decimal(seconds) * 1000).to_integral_value(rounding=ROUND_HALF_UP))


def format_duration(ms: int) -> str:
    """A compact human form of `ms` that `parse_duration` reads back exactly (for documentation and examples)."""
    sign, rest = ("-" if ms < 0 else ""), abs(ms)
    parts = []
    for unit in ("h", "m", "s", "ms"):
        amount, rest = divmod(rest, int(_MS_PER[unit]))
        if amount:
            parts.append(f"{amount}{unit}")
    return sign + ("".join(parts) or "0s")


def _milliseconds(body: str) -> Decimal | None:
    if _SECONDS.fullmatch(body):
        return Decimal(body) * _MS_PER["s"]
    clock = _CLOCK.fullmatch(body)
    if clock is not None:
        hours, minutes, seconds = clock["h"] or "0", clock["m"] or clock["m_only"], clock["s"]
        if (clock["h"] is not None and int(minutes) >= 60) or Decimal(seconds) >= 60:
            return None  # 1:75 is not a time anybody means
        return sum((Decimal(v) * _MS_PER[u] for v, u in ((hours, "h"), (minutes, "m"), (seconds, "s"))), Decimal(0))
    units = _UNITS.fullmatch(body)
    if units is None or not any(units.groupdict().values()):
        return None
    return sum((Decimal(v) * _MS_PER[u] for u, v in units.groupdict().items() if v is not None), Decimal(0))
