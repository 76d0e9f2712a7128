"""Confusion read from editing behaviour, not from the code itself.

Three signals, each a hint rather than a mistake:
- churn (CC901): the same function rewritten many times in a short window;
- recurrence (CC902): a mistake that comes back after it was fixed;
- syntax streak (CC903): the file has not parsed for many edits in a row.
A hint is shown at most once per region per cooldown, and only for a while,
so the coach never nags.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from .concepts import label
from .findings import Explanation, Finding, Position, Severity, Source, Span
from .markup import code_span

if TYPE_CHECKING:
    from .engine import Analysis

TUTORIAL = "https://docs.python.org/3/tutorial"

CHURN = "CC901"
RECURRENCE = "CC902"
SYNTAX_STREAK = "CC903"

# Edits closer together than this are one burst of typing, not separate rewrites.
BURST_GAP_SECONDS = 2.0
# How long a behaviour hint stays visible once shown.
HINT_VISIBLE_SECONDS = 180.0


@dataclass(frozen=True)
class Edit:
    """One content change: which lines of the text before it were touched, and how."""

    first_line: int
    last_line: int
    # Deleting or replacing existing text, rather than only adding to it.
    rewrites: bool
    at: float


def edit_between(old: str, new: str, at: float) -> Edit | None:
    """The edit that turns `old` into `new`, for front ends that send whole texts (the web
    stream, a watched file): the lines between the common start and the common end, and
    whether any existing text was removed. None when nothing changed."""
    if old == new:
        return None
    start = _common_prefix(old, new)
    end = _common_prefix(old[start:][::-1], new[start:][::-1])
    removed = len(old) - start - end
    first = old.count("\n", 0, start)
    return Edit(first, max(first, old.count("\n", 0, len(old) - end)), removed > 0, at)


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by bisection on slice comparisons (C speed on 64 KB texts)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True)
class Thresholds:
    churn_edits: int = 6
    churn_window: float = 180.0
    syntax_streak: int = 8
    cooldown: float = 600.0
    enabled: bool = True


@dataclass
class _Hint:
    finding: Finding
    shown_at: float
    # What must still be true for the hint to stay: ("recur", identity), ("churn", region), ("syntax",)
    anchor: tuple


@dataclass
class BehaviourTracker:
    """Per-document memory of how the learner has been editing it."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    # region -> times of rewrite bursts that touched it
    _bursts: dict[str, deque] = field(default_factory=dict)
    _last_burst: dict[str, float] = field(default_factory=dict)
    _pending: list[Edit] = field(default_factory=list)
    _syntax_streak: int = 0
    # The last analysis that parsed: where the functions are while the file is broken.
    _regions: Analysis | None = None
    # finding identity -> when it was fixed
    _fixed_at: dict[tuple, float] = field(default_factory=dict)
    _present: set[tuple] = field(default_factory=set)
    _hints: dict[tuple, _Hint] = field(default_factory=dict)
    _last_hint_at: dict[tuple, float] = field(default_factory=dict)

    def record_edit(self, edit: Edit) -> None:
        self._pending.append(edit)

    def observe(self, analysis: Analysis, identity: Callable[[Finding], tuple], now: float) -> list[Finding]:
        """Digest the edits since the last call and this analysis; return the hints to show."""
        if not self.thresholds.enabled:
            self._pending.clear()
            return []
        if analysis.syntax_ok:
            self._regions = analysis
        regions = self._regions
        self._digest_edits(regions, now)
        findings = analysis.findings
        current: dict[tuple, Finding] = {}
        if analysis.syntax_ok:
            self._syntax_streak = 0
            current = {identity(f): f for f in findings}
            self._recurrences(current, now)
        else:
            self._syntax_streak += 1
            if self._syntax_streak >= self.thresholds.syntax_streak and findings:
                self._offer(("syntax",), now, lambda: _syntax_hint(findings[0], self._syntax_streak))
        if regions is not None:
            self._churn(regions, now)
        return self._visible(analysis, regions, current, now)

    # -- signals ---------------------------------------------------------
    def _digest_edits(self, regions: Analysis | None, now: float) -> None:
        for edit in self._pending:
            if not edit.rewrites:
                continue
            function = regions.function_at(edit.first_line) if regions else None
            region = function or f"line {edit.first_line + 1}"
            last = self._last_burst.get(region)
            self._last_burst[region] = edit.at
            if last is not None and edit.at - last < BURST_GAP_SECONDS:
                continue
            self._bursts.setdefault(region, deque()).append(edit.at)
        self._pending.clear()
        for times in self._bursts.values():
            while times and now - times[0] > self.thresholds.churn_window:
                times.popleft()

    def _churn(self, regions: Analysis, now: float) -> None:
        for region, times in self._bursts.items():
            if len(times) < self.thresholds.churn_edits:
                continue
            span = _region_span(regions, region)
            if span is None:
                continue
            count, minutes = len(times), max(1, round((times[-1] - times[0]) / 60))
            concepts = [c for c, _ in regions.function_concepts.get(region, Counter()).most_common(3)]
            hint = partial(churn_hint, region, count, minutes, span, concepts)
            self._offer(("churn", region), now, hint)

    def _recurrences(self, current: dict[tuple, Finding], now: float) -> None:
        for key in self._present - current.keys():
            self._fixed_at[key] = now
        for key, finding in current.items():
            fixed_at = self._fixed_at.pop(key, None)
            if fixed_at is not None and key not in self._present:
                minutes = max(1, round((now - fixed_at) / 60))
                self._offer(("recur", key), now, lambda f=finding, m=minutes: _recurrence_hint(f, m))
        self._present = set(current)

    # -- showing hints without nagging ----------------------------------
    def _offer(self, anchor: tuple, now: float, make: Callable[[], Finding]) -> None:
        last = self._last_hint_at.get(anchor)
        if last is not None and now - last < self.thresholds.cooldown:
            return
        self._hints[anchor] = _Hint(make(), now, anchor)
        self._last_hint_at[anchor] = now

    def _visible(
        self, analysis: Analysis, regions: Analysis | None, current: dict[tuple, Finding], now: float
    ) -> list[Finding]:
        """Hints still worth showing, moved to where their subject is now."""
        visible = []
        for anchor, hint in list(self._hints.items()):
            span = None
            if now - hint.shown_at <= HINT_VISIBLE_SECONDS:
                if anchor[0] == "recur" and anchor[1] in current:
                    span = current[anchor[1]].span
                elif anchor[0] == "syntax" and not analysis.syntax_ok and analysis.findings:
                    span = analysis.findings[0].span
                elif anchor[0] == "churn" and regions is not None:
                    span = _region_span(regions, anchor[1])
            if span is None:
                del self._hints[anchor]
            else:
                visible.append(replace(hint.finding, span=span))
        return visible


def _region_span(analysis: Analysis, region: str) -> Span | None:
    for first, _last, name in analysis.functions:
        if name == region:
            return Span(Position(first, 0), Position(first + 1, 0))
    if region.startswith("line "):
        line = int(region.split()[1]) - 1
        return Span(Position(line, 0), Position(line + 1, 0))
    return None


def churn_hint(region: str, count: int, minutes: int, span: Span, concepts: list[str]) -> Finding:
    topic = label(concepts[0]) if concepts else "this piece of code"
    return Finding(
        rule_id=CHURN,
        span=span,
        severity=Severity.INFORMATION,
        message=f"you have rewritten {code_span(region)} {count} times in {minutes} min: step back to the idea it needs",
        explanation=Explanation(
            why="Rewriting the same lines again and again usually means the plan is unclear, not the syntax. "
                "Each rewrite changes a detail while the real question stays open.",
            idea=f"The main idea here is {topic.lower()}. Say in one sentence what this code should do "
                 "for one concrete input, then trace it by hand line by line.",
            hint="Write the expected result for a tiny example as a comment, then run the code on it "
                 "and print the values you are unsure about.",
            docs_url=f"{TUTORIAL}/controlflow.html",
        ),
        concepts=tuple(concepts[:1]) or ("basics",),
        source=Source.BEHAVIOUR,
        detail=f"Code Coach noticed {count} rewrites of {code_span(region)} in about {minutes} minute(s).",
    )


def _recurrence_hint(finding: Finding, minutes: int) -> Finding:
    return Finding(
        rule_id=RECURRENCE,
        span=finding.span,
        severity=Severity.INFORMATION,
        message=f"{finding.rule_id} is back: you fixed this {minutes} min ago",
        explanation=Explanation(
            why="A mistake that returns after being fixed often means the fix was found by trial and error "
                "rather than by understanding the rule behind it.",
            idea=f"Read the explanation of {finding.rule_id} once more: {finding.explanation.idea}",
            hint=finding.explanation.hint,
            docs_url=finding.explanation.docs_url,
        ),
        concepts=finding.concepts,
        source=Source.BEHAVIOUR,
        detail=f"Code Coach has seen this mistake here before: {finding.message}.",
    )


def _syntax_hint(error: Finding, streak: int) -> Finding:
    return Finding(
        rule_id=SYNTAX_STREAK,
        span=error.span,
        severity=Severity.INFORMATION,
        message=f"the file has not been valid Python for {streak} edits: fix this error first",
        explanation=Explanation(
            why="While one syntax error remains, Python cannot run or check anything else in the file, "
                "and more typing on top of it makes the real spot harder to find.",
            idea="Python reads the file top to bottom; the first error it reports is where it got lost, "
                 "which is often just after the real mistake.",
            hint="Look at the highlighted line and the line above it: an unclosed bracket or quote, a missing "
                 "colon, or indentation that does not line up. Comment out new code until the file runs again.",
            docs_url=f"{TUTORIAL}/errors.html#syntax-errors",
        ),
        concepts=("syntax",),
        source=Source.BEHAVIOUR,
        detail=error.detail,
    )
