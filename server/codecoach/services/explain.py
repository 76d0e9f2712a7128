"""Explanations on demand: for the mistakes in a selection, or for what the selected code uses."""

from __future__ import annotations

import ast
import textwrap
from collections import Counter
from dataclasses import dataclass

from ..analysis import concepts as concept_tags
from ..analysis.engine import Analyzer
from ..analysis.findings import Finding
from ..analysis.markup import escape_text
from .resources import resources_for


def explain_findings(findings: list[Finding]) -> str:
    return "\n\n---\n\n".join(f.hover_markdown() for f in findings)


@dataclass(frozen=True)
class QuickFix:
    """One light-bulb action on a finding: what it does (`explain`, `recommend`, `disable`), its
    title, and the argument its command takes (the front end adds where the finding is)."""

    kind: str
    title: str
    argument: dict


def quick_fixes(rule: str, concepts: list[str]) -> list[QuickFix]:
    """The actions a finding offers: explain it, read about its concept, or never show the rule again."""
    fixes = [QuickFix("explain", f"Explain this mistake ({rule})", {})]
    if concepts:
        fixes.append(QuickFix("recommend", f"Recommendations for {concept_tags.label(concepts[0]).lower()}",
                              {"concept": concepts[0]}))
    fixes.append(QuickFix("disable", f"Don't show {rule} again", {"rule": rule}))
    return fixes


def hover_section(finding: Finding, *, markdown: bool, met_before: str | None = None,
                  tailored: str | None = None) -> str:
    """One finding's hover: "you met this before" first, then the rule's explanation, then
    Gemini's take when one was prepared."""
    text = finding.hover_markdown() if markdown else finding.hover_plaintext()
    if met_before:
        text = f"{'*' + met_before + '*' if markdown else met_before}\n\n{text}"
    if tailored:
        text += f"\n\n**Gemini's take**\n\n{tailored}" if markdown else f"\n\nGemini's take:\n{tailored}"
    return text


def hover_text(sections: list[str], *, markdown: bool) -> str:
    """Several findings under the cursor: one section each, with a rule between them."""
    return ("\n\n---\n\n" if markdown else "\n\n----\n\n").join(sections)


def explain_code(code: str, analyzer: Analyzer) -> dict:
    """What a selection without mistakes is made of: its concepts and where to read about them."""
    snippet = textwrap.dedent(code).strip("\n")
    if not snippet.strip():
        return {"markdown": "Select some Python code to explain.", "concepts": []}
    try:
        ast.parse(snippet)
    except SyntaxError as error:
        return {
            "markdown": f"This selection is not complete Python on its own ({escape_text(error.msg)}). "
            "Select whole statements — a full line, loop or function — and try again.",
            "concepts": [],
        }
    analysis = analyzer.analyze(snippet + "\n")
    counts: Counter = analysis.concepts
    if not counts:
        return {"markdown": "No particular concept stands out in this selection.", "concepts": []}
    parts = ["**What this code uses**", ""]
    for concept, _ in counts.most_common(4):
        resource = resources_for(concept)[0]
        parts.append(f"- **{concept_tags.label(concept)}** — [{resource.title}]({resource.url}): {resource.why}")
    return {"markdown": "\n".join(parts), "concepts": [c for c, _ in counts.most_common()]}
