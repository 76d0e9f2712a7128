"""What an editor shows of a run besides findings: each line's printed value, and the output.

Front ends only translate these (an LSP inlay hint, a web badge). Positions are
0-based lines and code-point columns of the text given, like every `Finding`.
Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .report import PrintedValue

LABEL_CHARS = 60  # an inlay hint longer than this pushes the learner's code out of view
HOVER_OUTPUT_LINES = 15  # the run's output in a hover: a glance, not a terminal
HOVER_OUTPUT_CHARS = 1500


@dataclass(frozen=True)
class RunOutput:
    """What the whole run printed (already capped by the worker), kept for hovers."""

    stdout: str
    truncated: bool = False


@dataclass(frozen=True)
class PrintedHint:
    """One line's printed value, placed after the end of its code."""

    line: int
    column: int  # code points: the end of the line's text, before trailing blanks
    label: str  # `total 10`, or `i = 2 … ×3` for a line that printed three times
    tooltip: str  # plain text: the full value (as the worker kept it) and how often it printed


def printed_hints(printed: Sequence[PrintedValue], lines: Sequence[str]) -> list[PrintedHint]:
    """A hint per printed line that is still in `lines`."""
    hints = []
    for value in printed:
        if not 0 <= value.line < len(lines):
            continue
        code = lines[value.line].rstrip()
        if not code:
            continue
        times = f", the last of {value.count} times" if value.count > 1 else ""
        hints.append(PrintedHint(value.line, len(code), value.label(LABEL_CHARS),
                                 f"Printed by this line when your code last ran{times}:\n{value.text}"))
    return hints


def printed_section(value: PrintedValue, output: RunOutput | None, *, markdown: bool) -> str:
    """The hover part for a line that printed: its last value, and the run's output (capped)."""
    times = f" (the last of {value.count} times)" if value.count > 1 else ""
    if markdown:
        parts = [f"**This line printed{times}** when your code last ran:", _fenced(value.text)]
    else:
        parts = [f"This line printed{times} when your code last ran:", _indented(value.text)]
    shown, cut = _capped(output.stdout if output is not None else "")
    if shown and shown.strip() != value.text.strip():
        more = " (the beginning)" if cut or (output is not None and output.truncated) else ""
        parts.append(f"**Everything the run printed{more}:**" if markdown else f"Everything the run printed{more}:")
        parts.append(_fenced(shown) if markdown else _indented(shown))
    return "\n\n".join(parts)


def _capped(text: str) -> tuple[str, bool]:
    lines = text.splitlines()
    shown = "\n".join(lines[:HOVER_OUTPUT_LINES])
    cut = len(lines) > HOVER_OUTPUT_LINES
    if len(shown) > HOVER_OUTPUT_CHARS:
        shown, cut = shown[: HOVER_OUTPUT_CHARS - 1] + "…", True
    return shown, cut


def _fenced(text: str) -> str:
    """A Markdown code block that the text itself cannot close (it may contain backticks)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines() or [""])
