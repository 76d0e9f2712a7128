"""Plain-text renderings of the services' JSON, for a terminal (`codecoach summary|insights|recommend`)."""

from __future__ import annotations

import os
import textwrap
from datetime import date

from .common import plural

WIDTH = 78
BAR = 24


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def _path(file: str) -> str:
    """A path relative to the current folder when it is inside it."""
    try:
        rel = os.path.relpath(file)
    except ValueError:
        return file
    return file if rel.startswith("..") else rel


def _dots(value: int, top: int = 5) -> str:
    value = max(0, min(top, int(value)))
    return "●" * value + "○" * (top - value)


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def render_summary(data: dict) -> str:
    period = data.get("period", "day")
    first, last = data.get("from", ""), data.get("to", "")
    title = {"day": "today", "week": "this week"}.get(period, "range")
    span = first if first == last else f"{first} to {last}"
    t = data.get("totals", {})
    s = data.get("streak", {})
    out = [
        f"Learning summary, {title} ({span})",
        f"  {t.get('activeMinutes', 0)} active min · {plural(t.get('sessions', 0), 'session')}"
        f" · {plural(t.get('files', 0), 'file')} · {plural(t.get('findings', 0), 'mistake')} met"
        f" · {t.get('fixes', 0)} fixed · streak {plural(s.get('current', 0), 'day')}"
        f" (longest {s.get('longest', 0)})",
        "",
        "Activity per day (active minutes)",
    ]
    days = data.get("days", [])
    top = max([d.get("activeMinutes", 0) for d in days] + [1])
    rows = []
    for d in days:
        minutes = d.get("activeMinutes", 0)
        filled = round(BAR * minutes / top) if minutes else 0
        bar = "█" * filled + "·" * (BAR - filled)
        day = date.fromisoformat(d["date"])
        rows.append([day.strftime("%a %d %b"), bar, f"{minutes} min", plural(d.get('findings', 0), 'mistake'),
                     f"{d.get('fixes', 0)} fixed"])
    out += _table(rows)

    concepts = data.get("concepts", [])
    if concepts:
        out += ["", "Concepts"]
        rows = [["concept", "practised", "mistakes", "mastery"]]
        for c in concepts[:12]:
            before, after = c.get("previousMastery", ""), c.get("mastery", "")
            mastery = after if before == after else f"{before} → {after}"
            rows.append([c.get("label", c.get("concept", "")), str(c.get("practiced", 0)),
                         str(c.get("struggles", 0)), mastery])
        out += _table(rows)
        if len(concepts) > 12:
            out.append(f"  … and {len(concepts) - 12} more")
    struggles = data.get("topStruggles", [])
    if struggles:
        out += ["", "Top struggles"]
        out += _table([[f"{x.get('count', 0)} x", x.get("rule", ""), x.get("message", "")] for x in struggles])
    improved = data.get("improved", [])
    if improved:
        out += ["", "Fewer mistakes than the previous period"]
        out += _table([[i.get("label", ""), f"{i.get('before', 0)} → {i.get('after', 0)}"] for i in improved])
    out += ["", _wrap(data.get("narrative", ""), "")]
    if data.get("generatedBy") and data.get("generatedBy") != "template":
        out.append(f"  (written by {data['generatedBy']})")
    return "\n".join(out)


def render_insights(data: dict) -> str:
    ws = data.get("workspace", {})
    out = ["Insights" + (f" (latest analysis {ws['lastAnalysis']})" if ws.get("lastAnalysis") else "")]
    files = data.get("files", [])
    if not files and not ws.get("topicDifficulty"):
        out.append("  Nothing analysed yet: open and edit a Python file (or run `codecoach analyze --remember`).")
        return "\n".join(out)
    out += ["", "Workspace"]
    if ws.get("topics"):
        out.append(_wrap("Topics: " + ", ".join(ws["topics"])))
    if ws.get("keyMistakes"):
        out.append("  Key mistakes:")
        out += _table([[f"{m.get('count', 0)} x", m.get("rule", ""), m.get("message", "")]
                       for m in ws["keyMistakes"]], "    ")
    if ws.get("topicDifficulty"):
        out.append("  Topic difficulty (struggles per use, 1 easy .. 5 hard):")
        out += _table([[t.get("label", ""), _dots(t.get("difficulty", 1)), str(t.get("difficulty", 1)),
                        f"{plural(t.get('struggles', 0), 'mistake')} / {plural(t.get('uses', 0), 'use')}"]
                       for t in ws["topicDifficulty"][:10]], "    ")
    for f in files:
        out += ["", f"{_path(f.get('file', ''))}  difficulty {_dots(f.get('difficulty', 1))} {f.get('difficulty', 1)}"]
        if f.get("topics"):
            out.append(_wrap("topics: " + ", ".join(f["topics"]), "    "))
        if f.get("keyMistakes"):
            out.append("    key mistakes:")
            out += _table([[f"{m.get('count', 0)} x", m.get("rule", ""), m.get("message", "")]
                           for m in f["keyMistakes"]], "      ")
        if f.get("openConfusion"):
            out.append("    still open:")
            out += _table([[f"line {p.get('line', '?')}", p.get("rule", ""), p.get("message", "")]
                           for p in f["openConfusion"]], "      ")
    return "\n".join(out)


def render_recommendations(data: dict, concept_label: str | None = None) -> str:
    items = data.get("items", [])
    title = "Recommendations" + (f" for {concept_label}" if concept_label else "")
    if not items:
        return (f"{title}\n  Nothing to recommend yet: keep coding, and the coach will suggest material "
                "for the mistakes you meet.")
    out = [title]
    for n, item in enumerate(items, 1):
        tags = " · ".join(x for x in (item.get("label") or item.get("concept", ""), item.get("rule", "")) if x)
        out += ["", f"{n:>2}. {item.get('title', '')}" + (f"  [{tags}]" if tags else "")]
        if item.get("url"):
            out.append(f"    {item['url']}")
        out.append(_wrap(item.get("why", ""), "    "))
    return "\n".join(out)
