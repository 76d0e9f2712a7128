"""Seeding a memory with a known history (explicit `at=` timestamps) for the service tests."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from codecoach.analysis.findings import Explanation, Finding, Span
from codecoach.analysis.rules import BY_ID

TODAY = date(2026, 3, 16)  # a Monday


def at(day: date, hour: float = 10.0) -> float:
    """Local time `hour` o'clock on `day`."""
    return datetime(day.year, day.month, day.day).timestamp() + hour * 3600


def finding(rule: str, line: int = 0, message: str | None = None) -> Finding:
    r = BY_ID[rule]
    return Finding(
        rule_id=rule,
        span=Span.of(line, 0, line, 10),
        severity=r.severity,
        message=message or r.message.replace("{", "").replace("}", ""),
        explanation=Explanation(r.why, r.idea, r.hint, r.docs_url),
        concepts=(r.concept,),
    )


class NoIndex:
    """An embedder that is never available: the index stays empty and no model loads.

    The services read only the event log, so the tests skip chromadb and the model.
    """

    id = "test-no-index"
    dim = 8

    def embed(self, texts):
        raise RuntimeError("no index in the service tests")


@dataclass
class Truth:
    """What was seeded, to compare the services' answers with."""

    shown_per_day: Counter = field(default_factory=Counter)  # 'YYYY-MM-DD' -> findings
    fixes_per_day: Counter = field(default_factory=Counter)
    shown_rule: Counter = field(default_factory=Counter)  # (day, rule) -> n
    shown_concept: Counter = field(default_factory=Counter)  # (day, concept) -> n
    uses: Counter = field(default_factory=Counter)  # (day, concept) -> observations
    files: dict = field(default_factory=dict)  # day -> set of files
    active_days: set = field(default_factory=set)


RULE_POOL = ["CC303", "CC303", "CC303", "CC102", "CC201", "CC204", "CC304", "CC701", "CC502", "CC301"]
CONCEPT_POOL = ["loops", "lists", "functions", "strings", "dicts", "conditionals", "recursion"]


def seed_month(memory, *, days: int = 30, seed: int = 7, skip: tuple[int, ...] = (3, 4, 11, 20)) -> Truth:
    """`days` days of history ending on TODAY: each day (except `skip` days ago) one or two
    sessions with concept uses, findings and some fixes. Deterministic for a seed."""
    rng = random.Random(seed)
    truth = Truth()
    for back in range(days - 1, -1, -1):
        day = TODAY - timedelta(days=back)
        if back in skip:
            continue
        key = day.isoformat()
        truth.active_days.add(day)
        for hour in ([9.0, 15.0] if rng.random() < 0.4 else [10.0]):
            file = f"/learner/{rng.choice(['grades', 'quiz', 'shopping_list', 'recursion'])}.py"
            truth.files.setdefault(key, set()).add(file)
            ts = at(day, hour)
            used = rng.sample(CONCEPT_POOL, 3)
            memory.record_concepts(file, {c: rng.randint(1, 4) for c in used}, clean=True, at=ts)
            for c in used:
                truth.uses[(key, c)] += 1
            n = rng.randint(0, 3) if back > 7 else rng.randint(0, 1)  # fewer mistakes lately
            found = [finding(rng.choice(RULE_POOL), line=i * 3) for i in range(n)]
            memory.record_shown(file, found, [f"line {i}" for i in range(40)], at=ts + 60)
            for f in found:
                truth.shown_per_day[key] += 1
                truth.shown_rule[(key, f.rule_id)] += 1
                truth.shown_concept[(key, f.concepts[0])] += 1
            fixed = [f for f in found if rng.random() < 0.5]
            if fixed:
                memory.record_fixed(file, fixed, at=ts + 600)
                truth.fixes_per_day[key] += len(fixed)
            memory.forget_file_state(file)  # the next session sees its mistakes as new occurrences
    return truth
