"""docs/rules.md and its HTML page, generated from the rule catalogue so they never drift apart.

Regenerate both after changing any rule or syntax pattern::

    python -m codecoach.analysis.catalogue_doc > docs/rules.md
    python -m codecoach.analysis.catalogue_doc --html > server/codecoach/docs/rules.html

(tests/test_rules_doc.py fails when a committed file is out of date.) Every
entry carries an explicit lowercase anchor (``#cc101``) so links work on any
Markdown renderer. The HTML page ships inside the package: diagnostics link to
it (``findings.rules_page_url``) and ``codecoach web`` serves it at ``/rules``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from .concepts import TAXONOMY
from .findings import GEMINI_ANCHOR, Severity
from .rules import CATALOGUE, Rule
from .syntax import ALL_PATTERNS, SyntaxPattern

# Behaviour hints come from how the code is being edited, not from the code
# itself; they are implemented outside the rule catalogue.
BEHAVIOUR_HINTS: tuple[tuple[str, str, str], ...] = (
    ("CC901", "rewritten-many-times",
     "The same piece of code has been rewritten many times in a short while. The coach "
     "suggests stepping back: say in words what the code should do, try it on a small "
     "example by hand, or read the explanation of the related concept."),
    ("CC902", "mistake-came-back",
     "A mistake the coach explained before has appeared again. The hint links back to the "
     "earlier explanation and the concept behind it, since a returning mistake usually "
     "means the idea is not settled yet."),
    ("CC903", "syntax-error-streak",
     "The file has stayed unreadable to Python for a long run of edits. The coach suggests "
     "fixing the first reported syntax error before writing more, since later errors are "
     "often consequences of the first."),
)

_FAMILY_TITLES = {
    "CC1": "Comparisons and conditions",
    "CC2": "Functions",
    "CC3": "Loops",
    "CC4": "Control flow",
    "CC5": "Exceptions",
    "CC6": "Names and scope",
    "CC7": "Types and strings",
}


def _severity(severity: Severity) -> str:
    return severity.name.lower()


def _code_block(code: str) -> list[str]:
    return ["```python", code.rstrip("\n"), "```"]


def _anchor(rule_id: str) -> str:
    return f'<a id="{rule_id.lower()}"></a>'


def _rule_section(rule: Rule) -> list[str]:
    concept = TAXONOMY.get(rule.concept, rule.concept)
    lines = [
        _anchor(rule.id),
        f"### {rule.id} `{rule.name}`",
        "",
        f"> {rule.message}",
        "",
        f"- **Concept:** {concept} (`{rule.concept}`)",
        f"- **Severity:** {_severity(rule.severity)}",
        f"- **Docs:** <{rule.docs_url}>",
        "",
        f"**Why it matters.** {rule.why}",
        "",
        f"**The idea.** {rule.idea}",
        "",
        f"**Hint.** {rule.hint}",
        "",
    ]
    if rule.bad:
        lines += ["Example that triggers it:", "", *_code_block(rule.bad[0]), ""]
    return lines


def _syntax_section(pattern: SyntaxPattern) -> list[str]:
    lines = [
        _anchor(pattern.id),
        f"### {pattern.id} `{pattern.name}`",
        "",
        f"> {pattern.message}",
        "",
        "- **Concept:** Python syntax (`syntax`)",
        f"- **Severity:** {_severity(Severity.ERROR)}",
        f"- **Docs:** <{pattern.docs_url}>",
        "",
        f"**Why it matters.** {pattern.why}",
        "",
        f"**The idea.** {pattern.idea}",
        "",
        f"**Hint.** {pattern.hint}",
        "",
    ]
    if pattern.bad:
        lines += ["Example that triggers it:", "", *_code_block(pattern.bad[0]), ""]
    return lines


def _families(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    grouped: dict[str, list[Rule]] = {}
    for rule in sorted(rules, key=lambda r: r.id):
        grouped.setdefault(rule.id[:3], []).append(rule)
    return grouped


def _examples_section() -> list[str]:
    """The CC8xx rules come from running the learner's examples (codecoach.runner), not from the AST."""
    from ..runner.rules import RULES

    out = ["## Live examples", "",
           "These findings come from running the file's own examples in a sandboxed process after a pause: "
           "doctests, module-level asserts, `test_*` functions, `unittest` cases, a sibling `test_<name>.py`, "
           "`.in`/`.out` pairs, or the script itself (see [examples.md](examples.md)). Their source is "
           "`examples`; each disappears when the example passes. Switch them all off with `runExamples: false`.",
           ""]
    for rule in RULES.values():
        out += [
            _anchor(rule.id),
            f"### {rule.id} `{rule.name}`",
            "",
            f"> {rule.summary}",
            "",
            f"- **Concept:** {TAXONOMY.get(rule.concept, rule.concept)} (`{rule.concept}`)",
            f"- **Severity:** {_severity(rule.severity)}",
            f"- **Docs:** <{rule.docs_url}>",
            "",
            f"**Why it matters.** {rule.why}",
            "",
            f"**The idea.** {rule.idea}",
            "",
            f"**Hint.** {rule.hint}",
            "",
        ]
    return out


def render_markdown() -> str:
    families = _families(CATALOGUE)
    out = [
        "# Code Coach rules",
        "",
        "<!-- Generated by `python -m codecoach.analysis.catalogue_doc > docs/rules.md`; do not edit by hand. -->",
        "",
        "Every diagnostic Code Coach shows has an id that links to its entry here. Each entry "
        "explains the mistake the way a tutor would — why it matters, the idea behind it and a "
        "hint — without giving away the corrected program. Any rule can be switched off or given "
        "another severity in the settings.",
        "",
        "## Contents",
        "",
        "- [Syntax errors](#syntax-errors) (CC001–CC010)",
    ]
    for prefix, rules in families.items():
        title = _FAMILY_TITLES.get(prefix, prefix)
        slug = title.lower().replace(" ", "-")
        out.append(f"- [{title}](#{slug}) ({rules[0].id}–{rules[-1].id})")
    out += ["- [Live examples](#live-examples) (CC801–CC820)",
            "- [Behaviour hints](#behaviour-hints) (CC901–CC903)",
            "- [Gemini findings](#gemini-findings) (GEM-*)", ""]

    out += ["## Syntax errors", "",
            "When Python cannot read the file, the coach keeps Python's own message and adds "
            "an explanation chosen by the message's pattern.", ""]
    for pattern in ALL_PATTERNS:
        out += _syntax_section(pattern)

    for prefix, rules in families.items():
        out += [f"## {_FAMILY_TITLES.get(prefix, prefix)}", ""]
        for rule in rules:
            out += _rule_section(rule)

    out += _examples_section()

    out += ["## Behaviour hints", "",
            "These hints come from how the code is being written over time (the edit history "
            "kept locally), not from a single version of the code.", ""]
    for hint_id, name, text in BEHAVIOUR_HINTS:
        out += [_anchor(hint_id), f"### {hint_id} `{name}`", "",
                text, ""]

    out += [f'<a id="{GEMINI_ANCHOR}"></a>', "## Gemini findings", "",
            "With cloud analysis switched on, Gemini reviews settled changes and reports what rules "
            "cannot see: logic mistakes, misconceptions, a plan that does not match the code. Their ids "
            "are `GEM-` plus the kind of confusion (for example `GEM-OFF-BY-ONE`), their source is "
            "still \"Code Coach\", and their hover carries Gemini's explanation and hint — never a "
            "corrected program. A Gemini finding on the same line as a rule's finding is dropped: the "
            "curated explanation wins. Switch them all off with `cloudEnabled: false`, or one kind "
            "with `disabledRules`.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


_RELATIVE_DOC_LINK = re.compile(r"\[([^\]]+)\]\((?!#|https?:)[^)]+\.md\)")
_SECTION_HEADING = re.compile(r"<h2>(.*?)</h2>")
_TAG = re.compile(r"<[^>]+>")

PAGE_STYLE = """
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --code: #f3f4f6;
        --border: #d1d9e0; --link: #0969da; --quote: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --code: #1c2129; --border: #3d444d;
          --link: #4493f8; --quote: #4493f8; }
}
body { margin: 0 auto; max-width: 860px; padding: 16px 24px 48px; color: var(--fg); background: var(--bg);
       font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--link); }
h1 { font-size: 1.9em; } h2 { margin-top: 2em; padding-bottom: .2em; border-bottom: 1px solid var(--border); }
h3 { margin-top: 1.6em; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .92em; }
code { background: var(--code); padding: .1em .3em; border-radius: 4px; }
pre { background: var(--code); padding: 10px 14px; border-radius: 6px; overflow-x: auto; }
pre code { padding: 0; background: none; }
blockquote { margin: .6em 0; padding: .1em 1em; border-left: 4px solid var(--quote); color: var(--fg); }
p:has(> a:target) + h3, h2:target { background: color-mix(in srgb, var(--link) 14%, transparent); }
"""


def render_html() -> str:
    """The rules page: the same Markdown rendered to a standalone HTML page (light and dark).

    The only `<style>` element is PAGE_STYLE; a server that sets a CSP gives it a nonce."""
    from markdown_it import MarkdownIt

    markdown = render_markdown().replace(
        "<!-- Generated by `python -m codecoach.analysis.catalogue_doc > docs/rules.md`; do not edit by hand. -->",
        "<!-- Generated by `python -m codecoach.analysis.catalogue_doc --html`; do not edit by hand. -->")
    # Other documents are not part of the page: their names stay, as words.
    markdown = _RELATIVE_DOC_LINK.sub(r"\1", markdown)
    body = MarkdownIt("commonmark").render(markdown)

    def heading(match: re.Match) -> str:
        slug = _TAG.sub("", match.group(1)).lower().replace(" ", "-")
        if f'id="{slug}"' in body:  # the section already has its explicit anchor
            return match.group(0)
        return f'<h2 id="{html.escape(slug)}">{match.group(1)}</h2>'

    body = _SECTION_HEADING.sub(heading, body)
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="color-scheme" content="light dark">\n'
            "<title>Code Coach rules</title>\n"
            f"<style>{PAGE_STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(render_html() if "--html" in sys.argv[1:] else render_markdown())
