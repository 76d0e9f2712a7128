"""Learner text never becomes Markdown or HTML in what the coach shows (issue 14, finding 6).

Hostile string literals go through the real analyzer in the places whose text the rules
quote (an `or` constant, a dictionary key, a subscript, an expression statement, a syntax
error, an Explain-selection error). Every message, explanation and hover must keep them
inside code spans: with the spans taken out, no tag, link or `command:`/`javascript:`
target is left; rendered by a CommonMark renderer, no tag or link comes from them.
"""

from __future__ import annotations

import re

import pytest

from codecoach.analysis.engine import Analyzer
from codecoach.analysis.markup import Markup, code_span, escape_text, fill
from codecoach.services.explain import explain_code

HOSTILE = [
    '<a href="command:codecoach.forget">Click to fix</a>',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`](javascript:alert(1))",
    "``` [fix](command:workbench.action.terminal.new) `",
    "` <b>bold</b> `",
    "x`y``z```<i>",
]

# Where a rule quotes the learner's code; `{s}` is the hostile text (written as a literal).
PLACES = {
    "or-constant (CC104)": "answer = input()\nif answer == 'y' or {s!r}:\n    pass\n",
    "duplicate key (CC608)": "d = {{{s!r}: 1, {s!r}: 2}}\n",
    "comparison as statement (CC101)": "d = {{}}\nd[{s!r}] == 1\n",
    "expression without effect (CC703)": "d = {{}}\nd[{s!r}]\n",
    "input used as a number (CC706)": "total = input({s!r}) + 1\n",
}

_DANGER = re.compile(r"(?i)<\s*[a-z!/]|\]\(|javascript:|command:")


def strip_code_spans(markdown: str) -> str:
    """`markdown` without its CommonMark code spans: a backtick run opens one, the next run
    of the same length closes it; a run without a partner is literal text."""
    out, i = [], 0
    while i < len(markdown):
        if markdown[i] != "`":
            out.append(markdown[i])
            i += 1
            continue
        j = i
        while j < len(markdown) and markdown[j] == "`":
            j += 1
        run = j - i
        k = j
        while True:
            k = markdown.find("`" * run, k)
            if k < 0:
                out.append(markdown[i:j])  # no closing run: literal backticks
                i = j
                break
            end = k + run
            if (k == 0 or markdown[k - 1] != "`") and (end >= len(markdown) or markdown[end] != "`"):
                i = end  # a span from i to end
                break
            while k < len(markdown) and markdown[k] == "`":
                k += 1
    return "".join(out)


def shown_texts(finding) -> dict[str, str]:
    e = finding.explanation
    return {"message": finding.message, "why": e.why, "idea": e.idea, "hint": e.hint, "detail": finding.detail,
            "hover": finding.hover_markdown()}


def _assert_safe(field: str, text: str, payload: str) -> None:
    outside = strip_code_spans(text.replace("[Read more in the Python docs](", "(docs link: "))
    assert not _DANGER.search(outside), f"{field} lets learner text out of its code span:\n{text}"
    assert "\n" not in text.replace("\n\n", "") or field == "hover", field


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("place", sorted(PLACES))
def test_hostile_literals_stay_inside_code_spans(place: str, payload: str) -> None:
    code = PLACES[place].format(s=payload)
    findings = Analyzer().analyze(code).findings
    quoting = [f for f in findings if any(payload[:6] in t or repr(payload)[:6] in t for t in shown_texts(f).values())]
    assert quoting, f"no finding quotes the literal in {place}: {[f.rule_id for f in findings]}"
    for finding in findings:
        for field, text in shown_texts(finding).items():
            _assert_safe(f"{finding.rule_id} {field}", text, payload)


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_commonmark_renderer_makes_no_tag_or_link_from_learner_text(payload: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    renderer = markdown_it.MarkdownIt("commonmark")  # raw HTML allowed, like a permissive webview
    for place, template in PLACES.items():
        for finding in Analyzer().analyze(template.format(s=payload)).findings:
            html = renderer.render(finding.hover_markdown())
            tags = re.findall(r"<(a|script|img|b|i)\b[^>]*>", html)
            links = re.findall(r'<a href="([^"]*)"', html)
            assert set(tags) <= {"a"}, (place, html)
            assert all(link.startswith(("https://docs.python.org/", "https://peps.python.org/")) for link in links), html


def test_python_syntax_messages_and_explain_errors_are_code_too() -> None:
    finding = next(f for f in Analyzer().analyze("print('<b>'\n").findings if f.source.value == "syntax")
    assert finding.detail.startswith("Python says: ")
    _assert_safe("syntax detail", finding.detail, "")
    assert escape_text("<b>`x`</b> [a](command:y)\n<script>") == "\\<b\\>\\`x\\`\\</b\\> \\[a\\](command:y) \\<script\\>"
    result = explain_code("x = ( <script>", Analyzer())
    _assert_safe("explain", result["markdown"], "")


@pytest.mark.parametrize(("text", "span"), [
    ("x", "`x`"),
    ("a`b", "``a`b``"),
    ("`a", "`` `a ``"),
    ("a``", "``` a`` ```"),
    (" a ", "`  a  `"),
    ("line\nbreak\r\nhere", "`line break here`"),
    ("", "` `"),
])
def test_code_spans_outlast_every_backtick_run_inside_them(text: str, span: str) -> None:
    assert code_span(text) == span
    assert strip_code_spans(span) == ""


def test_fill_rebuilds_template_spans_and_quotes_values_outside_them() -> None:
    template = "`or {value}` is always true: this does not check `{subject}` against {value}"
    out = fill(template, {"value": "'<a>`'", "subject": "answer"})
    assert out == "``or '<a>`'`` is always true: this does not check `answer` against ``'<a>`'``"
    assert fill("after {after}", {"after": Markup("the `if` above")}) == "after the `if` above"
    assert fill("{missing} stays", {"other": 1}) == "{missing} stays"
