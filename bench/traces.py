"""Typing traces: a learner typing a program, then editing it from buggy to fixed.

A trace is a list of `Step`s. Each step is one editor change (an LSP
incremental `didChange` with one content change) and the think/typing time
before it. Ranges are in UTF-16 units (what VS Code sends), computed from a
model of the document that the trace keeps as it goes; at the end the model
must equal the fixed program, which `build_trace` checks.

How the typing is simulated (seeded, deterministic):
- inter-key delays are lognormal (median 150 ms, sigma 0.45, clamped to
  40 ms..2 s); a space adds a little; a line end a pause (median 600 ms), and
  before a line that opens a block (`def`, `for`, `if`, ...) or at random
  (5 %) a longer "thinking" pause of 2-12 s;
- Enter inserts the newline plus the next line's indentation in one change,
  as an editor's auto-indent does (auto-closing of brackets is not modelled);
- typos: 4 % of characters are first typed as a neighbouring key; the
  learner notices after 0-2 more characters (reaction 250-700 ms), deletes
  back with one backspace change per character, and retypes;
- buggy -> fixed: after a 5-20 s pause, difflib opcodes (lines first, then
  characters inside a replaced block) become edits top to bottom: a deleted
  run of more than one character is selected and deleted in one change (a
  single character is a backspace), inserted text is typed as above, with a
  1-4 s pause to move between hunks.
"""

from __future__ import annotations

import difflib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from common import CORPORA, EXAMPLES

KEY_NEIGHBOURS = {
    "a": "qs", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo",
    "j": "hk", "k": "jl", "l": "k;", "m": "n,", "n": "bm", "o": "ip", "p": "o[", "q": "wa", "r": "et",
    "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "xs",
    "0": "9-", "1": "2q", "2": "13", "3": "24", "4": "35", "5": "46", "6": "57", "7": "68", "8": "79", "9": "80",
    "(": "*)", ")": "(_", "[": "p]", "]": "[\\", ":": ";\"", ".": ",/", ",": "m.", "=": "-+", " ": "  ",
}
BLOCK_OPENERS = ("def ", "class ", "for ", "while ", "if ", "elif ", "else", "try", "except", "with ", "return ")


@dataclass(frozen=True)
class Step:
    delay: float  # seconds since the previous step (the learner's time)
    start: tuple[int, int]  # (line, UTF-16 column)
    end: tuple[int, int]
    text: str
    phase: str  # "type" | "typo" | "fix" (buggy -> fixed edits)


@dataclass
class Trace:
    name: str
    source: str  # where the program comes from (path, for the report)
    steps: list[Step] = field(default_factory=list)
    final_text: str = ""

    @property
    def keystrokes(self) -> int:
        return len(self.steps)


class _Model:
    """The document as the editor holds it, and the steps that changed it."""

    def __init__(self, rng: random.Random) -> None:
        self.text = ""
        self.rng = rng
        self.steps: list[Step] = []

    def position(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset)
        line_start = self.text.rfind("\n", 0, offset) + 1
        column = len(self.text[line_start:offset].encode("utf-16-le")) // 2
        return line, column

    def edit(self, start: int, end: int, text: str, delay: float, phase: str) -> None:
        self.steps.append(Step(delay, self.position(start), self.position(end), text, phase))
        self.text = self.text[:start] + text + self.text[end:]

    # -- timing ----------------------------------------------------------
    def key_delay(self) -> float:
        return min(2.0, max(0.04, self.rng.lognormvariate(-1.897, 0.45)))  # median e^-1.897 = 150 ms

    def line_end_pause(self, next_line: str) -> float:
        pause = self.rng.lognormvariate(-0.51, 0.5)  # median 600 ms
        if next_line.lstrip().startswith(BLOCK_OPENERS) or self.rng.random() < 0.05:
            pause += self.rng.uniform(2.0, 12.0)  # thinking
        return pause

    # -- typing ----------------------------------------------------------
    def type_text(self, cursor: int, text: str, phase: str, typo_rate: float = 0.04) -> int:
        """Type `text` at `cursor`, character by character; return the new cursor."""
        i = 0
        pending_delay = self.key_delay()
        while i < len(text):
            ch = text[i]
            if ch == "\n":
                # Enter: newline plus the next line's indentation, as auto-indent would.
                j = i + 1
                while j < len(text) and text[j] in " \t":
                    j += 1
                chunk = text[i:j]
                self.edit(cursor, cursor, chunk, pending_delay, phase)
                cursor += len(chunk)
                next_line = text[j : text.find("\n", j) if "\n" in text[j:] else len(text)]
                pending_delay = self.line_end_pause(next_line)
                i = j
                continue
            if ch.lower() in KEY_NEIGHBOURS and ch != " " and self.rng.random() < typo_rate:
                cursor = self._typo(cursor, text, i, pending_delay)
            self.edit(cursor, cursor, ch, pending_delay, phase)
            cursor += 1
            pending_delay = self.key_delay() + (0.06 if ch == " " else 0.0)
            i += 1
        return cursor

    def _typo(self, cursor: int, text: str, i: int, delay: float) -> int:
        """A wrong key, maybe a few right ones after it, then backspaces back to the mistake."""
        wrong = self.rng.choice(KEY_NEIGHBOURS[text[i].lower()])
        self.edit(cursor, cursor, wrong, delay, "typo")
        typed = 1
        for extra in range(self.rng.choice((0, 0, 1, 2))):
            k = i + 1 + extra
            if k >= len(text) or text[k] == "\n":
                break
            self.edit(cursor + typed, cursor + typed, text[k], self.key_delay(), "typo")
            typed += 1
        reaction = self.rng.uniform(0.25, 0.7)
        for n in range(typed):
            end = cursor + typed - n
            self.edit(end - 1, end, "", reaction if n == 0 else self.key_delay() * 0.6, "typo")
        return cursor


def build_trace(name: str, buggy: str, fixed: str | None, seed: int, source: str = "") -> Trace:
    """Type `buggy` from an empty file, then (if `fixed` is given) edit it into `fixed`."""
    rng = random.Random(seed)
    model = _Model(rng)
    model.type_text(0, buggy, "type")
    assert model.text == buggy, f"{name}: typing did not reproduce the program"
    if fixed is not None and fixed != buggy:
        _edit_to(model, buggy, fixed)
        assert model.text == fixed, f"{name}: the edits did not produce the fixed program"
    return Trace(name, source, model.steps, model.text)


def _edit_to(model: _Model, old: str, new: str) -> None:
    rng = model.rng
    first = True
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_offsets = [0]
    for line in old_lines:
        old_offsets.append(old_offsets[-1] + len(line))
    new_offsets = [0]
    for line in new_lines:
        new_offsets.append(new_offsets[-1] + len(line))
    delta = 0  # current offset - old offset, for everything after the edits so far
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a0, a1 = old_offsets[i1], old_offsets[i2]
        b0, b1 = new_offsets[j1], new_offsets[j2]
        old_block, new_block = old[a0:a1], new[b0:b1]
        move = rng.uniform(5.0, 20.0) if first else rng.uniform(1.0, 4.0)
        first = False
        chars = difflib.SequenceMatcher(None, old_block, new_block, autojunk=False)
        for ctag, c1, c2, d1, d2 in chars.get_opcodes():
            if ctag == "equal":
                continue
            at = a0 + c1 + delta
            if c2 > c1:  # delete: backspace for one character, select + delete for more
                model.edit(at, a0 + c2 + delta, "", move, "fix")
                move = model.key_delay()
                delta -= c2 - c1
            if d2 > d1:
                model.type_text(at, new_block[d1:d2], "fix", typo_rate=0.02)
                delta += d2 - d1
            move = model.key_delay() * 2


# --------------------------------------------------------------------------- programs


@dataclass(frozen=True)
class Program:
    name: str
    buggy: str
    fixed: str | None
    source: str


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, UnicodeDecodeError):
        return None


def load_programs(per_corpus: int, max_lines: int, seed: int = 7, corpora: Path = CORPORA) -> list[Program]:
    """The examples (typed, no fix) and a seeded sample of each corpus's buggy/fixed pairs."""
    programs: list[Program] = []
    for path in sorted(EXAMPLES.glob("*.py")):
        text = _read(path)
        if text:
            programs.append(Program(f"examples/{path.name}", text, None, f"examples/{path.name}"))
    rng = random.Random(seed)
    if corpora.is_dir():
        for corpus in sorted(p for p in corpora.iterdir() if p.is_dir()):
            pairs = []
            for d in sorted(p for p in corpus.iterdir() if (p / "buggy.py").is_file() and (p / "fixed.py").is_file()):
                buggy, fixed = _read(d / "buggy.py"), _read(d / "fixed.py")
                if buggy and fixed and buggy.count("\n") <= max_lines:
                    pairs.append(Program(f"{corpus.name}/{d.name}", buggy, fixed, f"{corpus.name}/{d.name}"))
            rng.shuffle(pairs)
            programs.extend(pairs[:per_corpus])
    return programs


def build_traces(programs: list[Program], seed: int = 11) -> list[Trace]:
    return [build_trace(p.name, p.buggy, p.fixed, seed + i, p.source) for i, p in enumerate(programs)]


if __name__ == "__main__":  # a quick look at what the traces are like
    traces = build_traces(load_programs(per_corpus=3, max_lines=60))
    for t in traces:
        phases = {ph: sum(1 for s in t.steps if s.phase == ph) for ph in ("type", "typo", "fix")}
        minutes = sum(s.delay for s in t.steps) / 60
        print(json.dumps({"name": t.name, "keystrokes": t.keystrokes, "minutes": round(minutes, 1), **phases}))
