"""Recommendations: free learning material for the learner's recent struggles.

Candidates come from the curated offline catalogue (`resources.CATALOGUE`,
concept -> material with a one-line "why"). Ranking (docs/services.md):

1. Each finding shown in the last 30 days weighs 0.5 ** (age in days / 3):
   a mistake from today counts 1, from three days ago 0.5, from a week ago
   about 0.2. A rule's weight is the sum over its occurrences (recency and
   frequency together).
2. A rule's weight flows to the material of its concept: the catalogue's first
   entry fully, later entries a little less (x0.9, x0.8: the catalogue lists
   the best first), and to material on *weak prerequisites* of that concept
   (unseen, introduced or struggling in the mastery model) at x0.3.
3. Feedback: if a rule's explanation was marked unhelpful more often than
   helpful, the material the explanation already linked (same URL as the
   rule's docs link) is halved and the other material for that concept is
   boosted x1.25: the learner needs another angle, not the same page again.
4. Rotation: every time an item is recommended it is remembered with its rank
   (a small JSON file in the memory's data dir); an item's score is divided by
   1 + 2 * sum(0.5 ** (days since each recommendation / 2) / (1 + rank)):
   what was just shown on top drops behind the next-best item (items further
   down are penalised less, they were less visible) and it comes back after a
   few days.
5. The same URL is listed once; at most two items per concept (unless a
   concept is asked for).

`tailor(items, context)` (e.g. Gemini) may add tailored suggestions; they are
interleaved with the catalogue's, and a failing tailor changes nothing.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.concepts import TAXONOMY, label
from . import check
from .common import DAY, basename, concepts_of, join_words, now_of, times
from .memory_view import MemoryView
from .resources import CATALOGUE, Resource

log = logging.getLogger(__name__)

WINDOW_DAYS = 30
STRUGGLE_HALF_LIFE = 3.0  # days
ROTATION_HALF_LIFE = 2.0  # days
ROTATION_WEIGHT = 2.0
CATALOGUE_ORDER = (1.0, 0.9, 0.8, 0.7)
PREREQUISITE_WEIGHT = 0.3
UNHELPFUL_SAME_PAGE = 0.5
UNHELPFUL_OTHER_ANGLE = 1.25
FALLBACK_WEIGHT = 0.05
PER_CONCEPT = 2
STATE_FILE = "recommendations.json"
STATE_KEEP = 1000
STATE_DAYS = 60
WEAK = {"introduced", "struggling"}  # evidence of weakness; "unseen" may just be untagged

Tailor = Callable[[list[dict], dict], "list[dict] | None"]


@dataclass
class _Struggle:
    rule: str
    concept: str
    weight: float = 0.0
    count: int = 0
    this_week: int = 0
    newest: float = 0.0
    oldest: float = math.inf
    message: str = ""
    files: Counter = field(default_factory=Counter)


@dataclass
class _Candidate:
    resource: Resource
    concept: str
    score: float = 0.0
    because: dict[str, float] = field(default_factory=dict)  # rule -> contribution
    via: dict[str, str] = field(default_factory=dict)  # rule -> the concept it needs this prerequisite for


def known_concept(concept: str) -> bool:
    return concept in TAXONOMY


def recommendations(
    memory: MemoryView | None,
    *,
    concept: str | None = None,
    limit: int = 8,
    now: float | None = None,
    days: int = WINDOW_DAYS,
    tailor: Tailor | None = None,
    remember: bool = True,
    state_path: str | os.PathLike[str] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> dict:
    """Up to `limit` items {"title","url","why","concept","rule", ...}, best first.

    concept: only material for this concept (slug from analysis.concepts.TAXONOMY;
    ValueError if unknown). remember: record what was recommended, for rotation
    (in `state_path`, default <memory.data_dir>/recommendations.json).
    """
    if concept is not None and not known_concept(concept):
        raise ValueError(f"unknown concept {concept!r}")
    now = now_of(memory, now)
    limit = max(0, int(limit))
    path = Path(state_path) if state_path else (Path(memory.data_dir) / STATE_FILE if memory is not None else None)

    check(cancelled)
    struggles = _struggles(memory, concept, now, days) if memory is not None else {}
    check(cancelled)
    states, feedback = _learner_state(memory, now, days)
    check(cancelled)
    candidates = _Candidates()
    candidates.for_struggles(struggles, states, feedback, memory, concept)
    uses = candidates.fallbacks(memory, concept, states, now)

    check(cancelled)
    history = _load(path) if path else []
    chosen = _choose(candidates.rotated(history, now), concept, limit)
    items = [_item(c, struggles, concept, uses, now) for c in chosen]
    if remember and path and items:
        _save(path, history, [(c.resource.id, now, rank) for rank, c in enumerate(chosen)], now)

    if tailor is not None and limit:
        items = _tailored(tailor, items, struggles, concept, limit)
    return {"items": items}


# --------------------------------------------------------------------------- pieces


def _learner_state(memory: MemoryView | None, now: float, days: int
                   ) -> tuple[dict[str, str], Mapping[str, tuple[int, int]]]:
    """(concept -> mastery state name, rule -> (helpful, unhelpful) feedback of the window)."""
    if memory is None:
        return {}, {}
    try:
        states = {c: str(getattr(m.state, "value", m.state)) for c, m in memory.mastery(now).items()}
        return states, memory.feedback_counts(now - days * DAY, None)
    except Exception as error:  # noqa: BLE001 - extras: ranking still works without them
        log.warning("recommendations: mastery/feedback unavailable (%s)", error)
        return {}, {}


class _Candidates:
    """Catalogue entries under consideration, by URL, with their scores and reasons."""

    def __init__(self) -> None:
        self.by_url: dict[str, _Candidate] = {}

    def add(self, res: Resource, res_concept: str, amount: float, rule: str = "", prerequisite_of: str = "") -> None:
        cand = self.by_url.get(res.url)
        if cand is None:
            cand = self.by_url[res.url] = _Candidate(res, res_concept)
        cand.score += amount
        if rule:
            cand.because[rule] = cand.because.get(rule, 0.0) + amount
            if not prerequisite_of:
                cand.via[rule] = ""  # a direct reason wins over "a prerequisite of"
            else:
                cand.via.setdefault(rule, prerequisite_of)

    def for_struggles(self, struggles: Mapping[str, _Struggle], states: Mapping[str, str],
                      feedback: Mapping[str, tuple[int, int]], memory: MemoryView | None,
                      concept: str | None) -> None:
        """Each struggle's weight flows to its concept's material and its weak prerequisites'."""
        rule_docs = _rule_docs()
        for s in struggles.values():
            helpful, unhelpful = feedback.get(s.rule, (0, 0))
            doubted = unhelpful > helpful
            for i, res in enumerate(CATALOGUE.get(s.concept, ())):
                factor = _catalogue_order(i)
                if doubted:
                    factor *= UNHELPFUL_SAME_PAGE if res.url == rule_docs.get(s.rule) else UNHELPFUL_OTHER_ANGLE
                self.add(res, s.concept, s.weight * factor, s.rule)
            if memory is not None:
                for pre in _prerequisites(memory, s.concept):
                    if states.get(pre, "unseen") in WEAK and (concept is None or pre != concept):
                        for res in CATALOGUE.get(pre, ())[:1]:
                            self.add(res, pre, s.weight * PREREQUISITE_WEIGHT, s.rule, prerequisite_of=s.concept)

    def fallbacks(self, memory: MemoryView | None, concept: str | None, states: Mapping[str, str],
                  now: float) -> Counter:
        """Nothing struggled with (or a concept asked for): material on what is being used.
        Returns the concept uses of the last week it looked at (for the items' "why")."""
        if concept is not None and not any(c.concept == concept for c in self.by_url.values()):
            for i, res in enumerate(CATALOGUE.get(concept, ())):
                self.add(res, concept, FALLBACK_WEIGHT * _catalogue_order(i))
        uses: Counter = Counter()
        if concept is None and not self.by_url and memory is not None:
            uses = Counter(r["concept"] for r in memory.events("concept_uses", now - 7 * DAY, None, limit=100_000))
            for c, n in uses.most_common(6):
                if states.get(c) == "mastered":
                    continue
                for res in CATALOGUE.get(c, ())[:1]:
                    self.add(res, c, FALLBACK_WEIGHT * n)
        return uses

    def rotated(self, history: list[tuple[str, float, int]], now: float) -> list[_Candidate]:
        """Best first, each score divided by how recently and prominently it was recommended."""
        for cand in self.by_url.values():
            cand.score /= 1.0 + ROTATION_WEIGHT * _recency(history, cand.resource.id, now)
        return sorted(self.by_url.values(), key=lambda c: (-c.score, c.resource.id))


def _catalogue_order(index: int) -> float:
    return CATALOGUE_ORDER[min(index, len(CATALOGUE_ORDER) - 1)]


def _choose(ranked: list[_Candidate], concept: str | None, limit: int) -> list[_Candidate]:
    """The top `limit`, at most PER_CONCEPT per concept unless a concept was asked for."""
    chosen: list[_Candidate] = []
    per_concept: Counter = Counter()
    for cand in ranked:
        if concept is None and per_concept[cand.concept] >= PER_CONCEPT:
            continue
        chosen.append(cand)
        per_concept[cand.concept] += 1
        if len(chosen) >= limit:
            break
    if len(chosen) < limit and concept is None:  # fill up if the concept cap left room
        chosen += [c for c in ranked if c not in chosen][: limit - len(chosen)]
    return chosen


def _struggles(memory: MemoryView, concept: str | None, now: float, days: int) -> dict[str, _Struggle]:
    """rule -> its recent occurrences (weighted by recency), optionally for one concept."""
    rows = memory.events("shown", now - days * DAY, None, limit=100_000, concept=concept)
    out: dict[str, _Struggle] = {}
    for row in rows:  # newest first
        cs = concepts_of(row) or [""]
        primary = concept if concept in cs else cs[0]
        s = out.get(row["rule"])
        if s is None:
            s = out[row["rule"]] = _Struggle(row["rule"], primary, message=row["message"])
        age = max(0.0, now - float(row["ts"])) / DAY
        s.weight += 0.5 ** (age / STRUGGLE_HALF_LIFE)
        s.count += 1
        s.this_week += age <= 7
        s.newest = max(s.newest, float(row["ts"]))
        s.oldest = min(s.oldest, float(row["ts"]))
        s.files[basename(row["file"])] += 1
    return out


def _prerequisites(memory: MemoryView, concept: str) -> list[str]:
    try:
        return list(memory.prerequisites(concept))
    except Exception:  # noqa: BLE001
        return []


def _rule_docs() -> dict[str, str]:
    from ..analysis.rules import BY_ID

    return {rid: rule.docs_url for rid, rule in BY_ID.items()}


def _how_often(s: _Struggle, now: float) -> str:
    """'3 times this week', 'twice today', '15 times in the last 28 days (3 this week)'."""
    from .common import local_day

    age = (now - s.oldest) / DAY
    if local_day(s.oldest) == local_day(now):
        return f"{times(s.count)} today"
    if age <= 7:
        return f"{times(s.count)} this week"
    span = f"{times(s.count)} in the last {max(8, math.ceil(age))} days"
    return f"{span} ({s.this_week} this week)" if s.this_week else span


def _item(cand: _Candidate, struggles: Mapping[str, _Struggle], concept: str | None, uses: Counter,
          now: float) -> dict:
    res = cand.resource
    rule = max(cand.because, key=lambda r: cand.because[r]) if cand.because else ""
    s = struggles.get(rule)
    if s is not None:
        files = [f for f, _ in s.files.most_common(2)]
        where = f" in {join_words(files)}" if files else ""
        message = s.message.rstrip(".")
        needed_for = cand.via.get(rule, "")
        if needed_for:
            why = (f"You hit {rule} {_how_often(s, now)}{where} ({message}). "
                   f"{label(needed_for)} builds on {label(cand.concept).lower()}, which you have not "
                   f"practised much yet: {res.why}")
        else:
            why = f"You hit {rule} {_how_often(s, now)}{where} ({message}). {res.why}"
    elif uses.get(cand.concept):
        why = f"You used {label(cand.concept).lower()} {times(uses[cand.concept])} this week. {res.why}"
    elif concept is not None:
        why = f"No recent mistakes with {label(concept).lower()}: good. To go further: {res.why}"
    else:
        why = res.why
    return {
        "title": res.title,
        "url": res.url,
        "why": why,
        "concept": cand.concept,
        "rule": rule,
        "label": label(cand.concept),
        "id": res.id,
        "score": round(cand.score, 4),
    }


def _recency(history: list[tuple[str, float, int]], item_id: str, now: float) -> float:
    """How recently and how prominently `item_id` was recommended (0: never)."""
    return sum(0.5 ** (max(0.0, now - ts) / DAY / ROTATION_HALF_LIFE) / (1 + rank)
               for i, ts, rank in history if i == item_id)


def forget_history(data_dir: str | os.PathLike[str], before: float | None = None, *,
                   now: float | None = None) -> tuple[int, int]:
    """`codecoach forget`: drop the record of what was recommended, all of it or what is older
    than `before` (unix time). Returns (entries removed, entries kept)."""
    import time

    path = Path(data_dir) / STATE_FILE
    history = _load(path)
    kept = [] if before is None else [e for e in history if e[1] >= before]
    if len(kept) == len(history):
        return 0, len(kept)
    if kept:
        _save(path, kept, [], time.time() if now is None else now)
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            log.warning("recommendations: could not delete %s (%s)", path, error)
            return 0, len(history)
    return len(history) - len(kept), len(kept)


def _load(path: Path) -> list[tuple[str, float, int]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [(str(e[0]), float(e[1]), int(e[2]) if len(e) > 2 else 0) for e in data.get("recommended", [])]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError, AttributeError) as error:
        log.warning("recommendations: ignoring unreadable %s (%s)", path, error)
        return []


def _save(path: Path, history: list[tuple[str, float, int]], new: list[tuple[str, float, int]],
          now: float) -> None:
    """Append what was just recommended; keep the last STATE_DAYS days, at most STATE_KEEP entries."""
    kept = [e for e in history + new if now - e[1] <= STATE_DAYS * DAY][-STATE_KEEP:]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".recommendations-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"version": 1, "recommended": kept}, out)
        os.replace(tmp, path)
    except OSError as error:  # rotation is a nicety: never fail the request for it
        log.warning("recommendations: could not record what was recommended (%s)", error)


def _tailored(tailor: Tailor, items: list[dict], struggles: Mapping[str, _Struggle], concept: str | None,
              limit: int) -> list[dict]:
    context = {
        "concept": concept,
        "struggles": [
            {"rule": s.rule, "concept": s.concept, "count": s.count, "message": s.message,
             "files": [f for f, _ in s.files.most_common(3)]}
            for s in sorted(struggles.values(), key=lambda s: -s.weight)[:8]
        ],
    }
    try:
        extra = tailor([dict(i) for i in items], context) or []
    except Exception as error:  # noqa: BLE001 - a tailor never breaks recommendations
        log.warning("recommendations: tailor failed (%s)", error)
        return items
    good = []
    seen = {i["url"] for i in items}
    for e in extra if isinstance(extra, list) else []:
        if not isinstance(e, dict) or not str(e.get("title", "")).strip() or not str(e.get("why", "")).strip():
            continue
        url = str(e.get("url", ""))
        if url and (not url.startswith(("https://", "http://")) or url in seen):
            continue
        seen.add(url)
        good.append({"title": str(e["title"]), "url": url, "why": str(e["why"]),
                     "concept": str(e.get("concept", concept or "")), "rule": str(e.get("rule", "")),
                     "source": "tailored"})
    good = good[: max(1, limit // 2)]
    out: list[dict] = []
    offline = list(items)
    while (offline or good) and len(out) < limit:
        if offline:
            out.append(offline.pop(0))
        if good and len(out) < limit:
            out.append(good.pop(0))
    return out
