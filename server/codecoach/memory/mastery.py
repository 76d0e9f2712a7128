"""Concept mastery: a small state machine per concept, driven by evidence.

The state is *derived*: replaying a concept's evidence (clean uses, findings,
fixes) in time order through `ConceptTracker` gives its state at any moment.
Nothing is stored that could drift from the event log, `forget` needs no
special case, and "what changed between two dates" is two replays.

States: unseen -> introduced -> practicing -> struggling -> improving -> mastered.
The transition table (also in docs/memory.md):

| from                           | evidence                                                      | to          |
|--------------------------------|---------------------------------------------------------------|-------------|
| unseen                         | any evidence (a use, a finding)                               | introduced  |
| introduced                     | clean uses in >= 2 distinct sessions                          | practicing  |
| introduced, practicing,        | >= 2 findings within 7 days                                   | struggling  |
| improving, mastered            |                                                               |             |
| mastered                       | 1 finding (a slip)                                            | practicing  |
| struggling                     | a fix, or clean uses in >= 2 sessions since the last finding  | improving   |
| improving                      | a finding                                                     | struggling  |
| practicing, improving          | clean uses on >= 3 distinct days since the last finding, the  | mastered    |
|                                | latest >= 7 days after that finding (or no finding ever)      |             |

"Clean use": a concept observation where the file had no finding on that
concept. Time enters through windows (7 days) and distinct days/sessions, so
one long session of retyping cannot make a concept "mastered".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

DAY = 86_400.0
STRUGGLE_FINDINGS = 2
STRUGGLE_WINDOW = 7 * DAY
PRACTICE_SESSIONS = 2
RECOVERY_SESSIONS = 2
MASTERY_DAYS = 3
MASTERY_QUIET = 7 * DAY


class State(str, enum.Enum):
    UNSEEN = "unseen"
    INTRODUCED = "introduced"
    PRACTICING = "practicing"
    STRUGGLING = "struggling"
    IMPROVING = "improving"
    MASTERED = "mastered"


class Evidence(str, enum.Enum):
    CLEAN_USE = "clean"
    USE_WITH_FINDING = "use"
    FINDING = "finding"
    FIX = "fix"


@dataclass(frozen=True, order=True)
class Observation:
    ts: float
    kind: Evidence = field(compare=False)
    session: str = field(default="", compare=False)


@dataclass(frozen=True)
class Transition:
    concept: str
    ts: float
    before: State
    after: State
    because: str


@dataclass
class ConceptTracker:
    """Replays one concept's evidence; `state` is the state after the last observation."""

    concept: str
    state: State = State.UNSEEN
    since: float | None = None
    clean_uses: int = 0
    findings: int = 0
    fixes: int = 0
    last_seen: float | None = None
    _finding_times: list[float] = field(default_factory=list)
    _last_finding: float | None = None
    _clean_sessions: set[str] = field(default_factory=set)
    _sessions_since_finding: set[str] = field(default_factory=set)
    _days_since_finding: set[str] = field(default_factory=set)
    transitions: list[Transition] = field(default_factory=list)

    def _go(self, ts: float, to: State, because: str) -> None:
        if to is not self.state:
            self.transitions.append(Transition(self.concept, ts, self.state, to, because))
            self.state = to
            self.since = ts

    def observe(self, obs: Observation) -> None:
        ts = obs.ts
        self.last_seen = ts
        if self.state is State.UNSEEN:
            self._go(ts, State.INTRODUCED, f"first {obs.kind.value}")
        if obs.kind is Evidence.FINDING:
            self.findings += 1
            self._finding_times = [t for t in self._finding_times if ts - t < STRUGGLE_WINDOW] + [ts]
            self._last_finding = ts
            self._sessions_since_finding.clear()
            self._days_since_finding.clear()
            recent = len(self._finding_times)
            if self.state is State.IMPROVING:
                self._go(ts, State.STRUGGLING, "a finding while improving")
            elif recent >= STRUGGLE_FINDINGS and self.state is not State.STRUGGLING:
                self._go(ts, State.STRUGGLING, f"{recent} findings within 7 days")
            elif self.state is State.MASTERED:
                self._go(ts, State.PRACTICING, "a slip after mastery")
        elif obs.kind is Evidence.FIX:
            self.fixes += 1
            if self.state is State.STRUGGLING:
                self._go(ts, State.IMPROVING, "fixed a finding")
        elif obs.kind is Evidence.CLEAN_USE:
            self.clean_uses += 1
            session = obs.session or _day(ts)
            self._clean_sessions.add(session)
            self._sessions_since_finding.add(session)
            self._days_since_finding.add(_day(ts))
            if self.state is State.INTRODUCED and len(self._clean_sessions) >= PRACTICE_SESSIONS:
                self._go(ts, State.PRACTICING, f"clean uses in {len(self._clean_sessions)} sessions")
            elif self.state is State.STRUGGLING and len(self._sessions_since_finding) >= RECOVERY_SESSIONS:
                self._go(ts, State.IMPROVING, "clean uses since the last finding")
            if self.state in (State.PRACTICING, State.IMPROVING) and self._mastery_ready(ts):
                self._go(ts, State.MASTERED, f"clean on {len(self._days_since_finding)} days, no recent finding")

    def _mastery_ready(self, ts: float) -> bool:
        if len(self._days_since_finding) < MASTERY_DAYS:
            return False
        return self._last_finding is None or ts - self._last_finding >= MASTERY_QUIET


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d")


def replay(evidence: Iterable[tuple[str, Observation]]) -> dict[str, ConceptTracker]:
    """Feed (concept, observation) pairs (any order) through one tracker per concept."""
    trackers: dict[str, ConceptTracker] = {}
    for concept, obs in sorted(evidence, key=lambda pair: pair[1].ts):
        tracker = trackers.get(concept)
        if tracker is None:
            tracker = trackers[concept] = ConceptTracker(concept)
        tracker.observe(obs)
    return trackers


# Prerequisite edges between the concept slugs of analysis.concepts.TAXONOMY:
# (prerequisite, concept that builds on it). Kept in SQLite as the concept graph.
PREREQUISITES: tuple[tuple[str, str], ...] = (
    ("basics", "names"),
    ("basics", "numbers"),
    ("basics", "strings"),
    ("basics", "bools"),
    ("bools", "comparisons"),
    ("comparisons", "conditionals"),
    ("none", "conditionals"),
    ("conditionals", "loops"),
    ("conditionals", "while-loops"),
    ("loops", "while-loops"),
    ("basics", "lists"),
    ("lists", "list-methods"),
    ("lists", "tuples"),
    ("lists", "slicing"),
    ("strings", "slicing"),
    ("strings", "string-methods"),
    ("strings", "string-formatting"),
    ("lists", "dicts"),
    ("dicts", "dict-methods"),
    ("lists", "sets"),
    ("loops", "iteration"),
    ("lists", "iteration"),
    ("tuples", "unpacking"),
    ("iteration", "unpacking"),
    ("basics", "functions"),
    ("functions", "function-arguments"),
    ("functions", "return-values"),
    ("return-values", "recursion"),
    ("conditionals", "recursion"),
    ("functions", "scope"),
    ("names", "scope"),
    ("scope", "closures"),
    ("functions", "closures"),
    ("functions", "lambdas"),
    ("closures", "decorators"),
    ("functions", "decorators"),
    ("loops", "comprehensions"),
    ("lists", "comprehensions"),
    ("comprehensions", "generator-expressions"),
    ("iteration", "generators"),
    ("functions", "generators"),
    ("functions", "classes"),
    ("dicts", "classes"),
    ("classes", "inheritance"),
    ("conditionals", "exceptions"),
    ("exceptions", "context-managers"),
    ("classes", "context-managers"),
    ("strings", "input-output"),
    ("functions", "modules"),
    ("syntax", "basics"),
)
