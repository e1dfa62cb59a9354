"""docs/protocol.md's tables of what each status allows are the model's transition table, written out: if the
table changes and the reference does not, this fails (the page and the widget have no copy; they read `allowed`)."""

from __future__ import annotations

import re
from pathlib import Path

from tornado_timer.core.model import TRANSITIONS, Command, Status, allowed_commands

DOC = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"


def table_after(heading_row: str) -> list[list[str]]:
    """The body rows of the markdown table whose header row starts with `heading_row`, as stripped cells."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_row))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows


def test_the_allowed_lists_in_the_reference_are_the_models() -> None:
    documented = {status: re.findall(r'"(\w+)"', cells) for status, cells in table_after("| status | `allowed` |")}
    assert documented == {status.value: [c.value for c in allowed_commands(status)] for status in Status}


def test_the_transition_table_in_the_reference_is_the_models() -> None:
    rows = table_after("| status \\ command |")
    header = [cell.strip() for cell in DOC.read_text(encoding="utf-8").split("| status \\ command |")[1]
              .splitlines()[0].strip("|").split("|")]
    assert header == [command.value for command in Command]
    assert [row[0] for row in rows] == [status.value for status in Status]
    for row in rows:
        status = Status(row[0])
        for command, cell in zip(Command, row[1:], strict=True):
            legal = (status, command) in TRANSITIONS
            assert (cell != "error") == legal, f"{status.value} + {command.value}: the reference says {cell!r}"
