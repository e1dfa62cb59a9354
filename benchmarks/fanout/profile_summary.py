"""Where the server's time went: the top functions of a py-spy collapsed-stack file, self and inclusive.

    python benchmarks/fanout/profile_summary.py PROFILE.txt [--top 15]

The files come from `run.py --profile DIR`. Idle time (the event loop waiting in epoll) is listed too, so the
percentages are of wall time, not only of busy time.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def short(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match.group("file")
    for marker in ("site-packages/", "lib/python3.11/", "/tornado_timer/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match.group('name')} ({path})"


def summarise(path: Path, top: int) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [short(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{path.name}: {total} samples", "| self % | incl % | function |", "|---|---|---|"]
    for frame, count in own.most_common(top):
        lines.append(f"| {100 * count / total:.1f} | {100 * inclusive[frame] / total:.1f} | `{frame}` |")
    lines += ["", "| incl % | function (inclusive, top) |", "|---|---|"]
    for frame, count in inclusive.most_common(top):
        lines.append(f"| {100 * count / total:.1f} | `{frame}` |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--top", type=int, default=15)
    options = parser.parse_args()
    for path in options.files:
        print(summarise(path, options.top))
        print()


if __name__ == "__main__":
    main()
