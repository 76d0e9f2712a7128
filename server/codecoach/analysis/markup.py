r"""Learner text inside the coach's Markdown, so that it can never become Markdown or HTML.

Messages and explanations are Markdown (hovers, the Explanation panel). Whatever comes
from the learner's code — a string literal, an expression, a name — goes inside a
CommonMark code span, where HTML and links are shown as text:

- the span is delimited by a run of backticks longer than any run inside it, so a
  backtick in the learner's text cannot close it early;
- padding spaces keep a backtick at either end of the text from joining the delimiter;
- line breaks become spaces: a line break could end the paragraph and let the next line
  start an HTML block (`<script>` at the start of a line) outside any span;
- long text is cut: messages are one line.

Python's own error message is prose, not code: `escape_text` backslash-escapes what could
start markup in it instead. `Markup` marks the coach's own Markdown (`"the \`if\`/\`else\` above"`); everything
else handed to `fill` is treated as learner text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_CODE_CHARS = 120
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_BACKTICK_RUN = re.compile(r"`+")


class Markup(str):
    """Markdown written by the coach itself: inserted as it is."""

    __slots__ = ()


def code_span(text: object, limit: int = MAX_CODE_CHARS) -> Markup:
    """`text` as an inline code span nothing inside can break out of."""
    flat = _LINE_BREAKS.sub(" ", str(text))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    if not flat:
        return Markup("` `")
    longest = max((len(run) for run in _BACKTICK_RUN.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each side when both sides have one: pad when the
    # text starts or ends with a backtick (it would merge with the fence) or with spaces.
    pad = " " if flat[0] in "` " or flat[-1] in "` " else ""
    return Markup(f"{fence}{pad}{flat}{pad}{fence}")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&])")


_UNSAFE_IN_VALUE = re.compile(r"[`<>&\\]|\]\(")


def value_text(text: object, limit: int = MAX_CODE_CHARS) -> str:
    """A value from the learner's program (a repr) as it reads best in a one-line message: bare
    when nothing in it could become HTML, a link or a code span (`5`, `'abc'`, `[1, 2]`), else
    inside a code span it cannot break out of."""
    flat = _LINE_BREAKS.sub(" ", str(text))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return code_span(flat, limit) if _UNSAFE_IN_VALUE.search(flat) else flat


def escape_text(text: object, limit: int = 300) -> Markup:
    """Prose that is not code (Python's own error message) as inert Markdown: one line, and
    the characters that could start a span, a link, emphasis, an entity or HTML escaped."""
    flat = _LINE_BREAKS.sub(" ", str(text))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return Markup(_MARKDOWN_SPECIAL.sub(r"\\\1", flat))


def code_list(items: Iterable[object]) -> Markup:
    """`a`, `b`, `c`: several pieces of learner code."""
    return Markup(", ".join(code_span(item) for item in items))


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, args: dict[str, object]) -> str:
    """Fill `{name}` placeholders that have a value; leave other braces alone.

    A placeholder inside one of the template's code spans (`` `{target}` ``) rebuilds that
    span around the filled text; anywhere else a value becomes a code span of its own,
    unless it is `Markup`.
    """
    if not args:
        return template
    parts = template.split("`")
    if len(parts) % 2 == 0:  # an unbalanced backtick: no spans to rebuild, wrap every value
        parts = [template]

    def plain(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(args[name]) if name in args else match.group(0)

    def outside(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in args:
            return match.group(0)
        value = args[name]
        return value if isinstance(value, Markup) else code_span(value)

    out = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(_PLACEHOLDER.sub(outside, part))
        elif _PLACEHOLDER.search(part):
            out.append(code_span(_PLACEHOLDER.sub(plain, part)))
        else:
            out.append(f"`{part}`")
    return "".join(out)
