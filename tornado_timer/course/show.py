"""Two pieces of code side by side in a notebook (notebook 9 reads our Tornado handler next to a small server on
the `websockets` library); printed one after the other outside a notebook."""

from __future__ import annotations

import html
import inspect
import textwrap
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SideBySide:
    """Shows as a two-column table in Jupyter (`_repr_html_`), as two listings in plain text."""

    left_title: str
    left: str
    right_title: str
    right: str

    def _repr_html_(self) -> str:
        def column(title: str, code: str) -> str:
            return (f'<td style="vertical-align:top;text-align:left;width:50%"><b>{html.escape(title)}</b>'
                    f'<pre style="font-size:11px;line-height:1.25;white-space:pre">{html.escape(code)}</pre></td>')

        return f"<table><tr>{column(self.left_title, self.left)}{column(self.right_title, self.right)}</tr></table>"

    def __str__(self) -> str:
        rule = "-" * 40
        return f"{self.left_title}\n{rule}\n{self.left}\n\n{self.right_title}\n{rule}\n{self.right}"

    def __repr__(self) -> str:
        return str(self)


def source(obj: Any) -> str:
    """The source of a class or function, dedented."""
    return textwrap.dedent(inspect.getsource(obj)).strip()


def side_by_side(left_title: str, left: Any, right_title: str, right: Any) -> SideBySide:
    """Show the source of `left` next to the source of `right` (each a class, a function, or a str of code)."""
    return SideBySide(left_title, left if isinstance(left, str) else source(left),
                      right_title, right if isinstance(right, str) else source(right))
